/**
 * The answer to one `Http1Request`: the part of node:http's `ServerResponse` the server's
 * handlers use, writing the same bytes Node wrote for this server (docs/server.md):
 *
 *   HTTP/1.1 <status> <reason>\r\n  <headers in the order set>  [Date]  [Connection]  \r\n  <body>
 *
 * `Date` (cached per second, as Node) and `Connection: keep-alive | close` are added unless set.
 * Small answers leave as one write with their head (no Nagle / delayed-ACK stall); bodies may also
 * be streamed with `write()` (false: wait for 'drain'). Answers of one connection go out strictly
 * in request order: the connection holds a later answer's bytes until the earlier ones are out.
 * 'finish' comes once the whole answer is handed to the socket, 'close' after 'finish' or when
 * the connection is gone.
 */
import { EventEmitter } from 'node:events'
import { STATUS_CODES } from 'node:http'

/** What a response needs of its connection. */
export interface ResponseConnection {
  /** Queues bytes of `res` in answer order; false when the socket asks to wait for 'drain'. */
  send (res: Http1Response, data: Buffer | string, last: boolean): boolean
  destroy (): void
}

let dateSecond = -1
let dateText = ''

function httpDate (): string {
  const now = Date.now()
  const second = Math.floor(now / 1000)
  if (second !== dateSecond) {
    dateSecond = second
    dateText = new Date(second * 1000).toUTCString()
  }
  return dateText
}

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n'

export class Http1Response extends EventEmitter {
  statusCode = 200
  statusMessage: string | undefined = undefined
  readonly #conn: ResponseConnection
  /** HEAD request: headers only, whatever body is given. */
  readonly #head: boolean
  readonly #keepAliveAsked: boolean
  readonly #headers = new Map<string, [string, string]>()
  #headersSent = false
  #ended = false
  #finished = false
  #destroyed = false
  /** Decided when the head is written: the connection stays open after this answer. */
  keepAlive = false

  constructor (conn: ResponseConnection, head: boolean, keepAlive: boolean) {
    super()
    this.#conn = conn
    this.#head = head
    this.#keepAliveAsked = keepAlive
  }

  get headersSent (): boolean { return this.#headersSent }
  get writableEnded (): boolean { return this.#ended }
  get writableFinished (): boolean { return this.#finished }
  get destroyed (): boolean { return this.#destroyed }

  setHeader (name: string, value: string | number): this {
    if (this.#headersSent) throw new Error('headers already sent')
    this.#headers.set(name.toLowerCase(), [name, String(value)])
    return this
  }

  getHeader (name: string): string | undefined {
    return this.#headers.get(name.toLowerCase())?.[1]
  }

  removeHeader (name: string): void {
    if (this.#headersSent) throw new Error('headers already sent')
    this.#headers.delete(name.toLowerCase())
  }

  getHeaderNames (): string[] {
    return [...this.#headers.keys()]
  }

  /** `HTTP/1.1 100 Continue`, in answer order. */
  writeContinue (): void {
    this.#conn.send(this, CONTINUE, false)
  }

  #headText (): string {
    this.#headersSent = true
    let text = `HTTP/1.1 ${this.statusCode} ${this.statusMessage ?? STATUS_CODES[this.statusCode] ?? 'unknown'}\r\n`
    for (const [name, value] of this.#headers.values()) text += `${name}: ${value}\r\n`
    if (!this.#headers.has('date')) text += `Date: ${httpDate()}\r\n`
    const connection = this.#headers.get('connection')
    if (connection === undefined) {
      this.keepAlive = this.#keepAliveAsked
      text += this.keepAlive ? 'Connection: keep-alive\r\n' : 'Connection: close\r\n'
    } else {
      this.keepAlive = this.#keepAliveAsked && connection[1].toLowerCase() !== 'close'
    }
    return text + '\r\n'
  }

  /** Streams part of the body (the head goes first). False: wait for 'drain'. */
  write (chunk: Buffer): boolean {
    if (this.#ended || this.#destroyed) return false
    if (!this.#headersSent) this.#conn.send(this, this.#headText(), false)
    if (this.#head || chunk.length === 0) return true
    return this.#conn.send(this, chunk, false)
  }

  /** Ends the answer, with a last piece of body (sent with the head in one write when it is all). */
  end (body?: Buffer): this {
    if (this.#ended || this.#destroyed) return this
    this.#ended = true
    const data = body === undefined || this.#head ? undefined : body
    if (!this.#headersSent) {
      const head = this.#headText()
      if (data === undefined || data.length === 0) this.#conn.send(this, head, true)
      else if (data.length <= 16 * 1024) this.#conn.send(this, Buffer.concat([Buffer.from(head, 'latin1'), data]), true)
      else {
        this.#conn.send(this, head, false)
        this.#conn.send(this, data, true)
      }
    } else {
      this.#conn.send(this, data ?? '', true)
    }
    return this
  }

  /** Cuts the connection (the answer cannot be completed). */
  destroy (): void {
    if (this.#destroyed) return
    this.#conn.destroy()
  }

  /** @internal Every byte of the answer is with the socket. */
  finished (): void {
    if (this.#finished || this.#destroyed) return
    this.#finished = true
    this.emit('finish')
    this.#closed()
  }

  /** @internal The connection is gone. */
  gone (): void {
    if (this.#destroyed) return
    this.#closed()
  }

  #closed (): void {
    this.#destroyed = true
    this.emit('close')
  }
}
