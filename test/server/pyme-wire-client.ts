/**
 * A raw-socket HTTP client that behaves like PYME's Streamer and `put_files`
 * (PROTOCOL.md §6.3, §6.4): requests written byte for byte as PYME writes them (no Host,
 * `Connection: keep-alive`, `Content-Length`), pipelined, and responses parsed as strictly
 * as PYME's `_parse_response`: status line split on white space, 1xx skipped, each header
 * line split on exactly one `": "` (anything else throws), at most 100 headers, body by
 * Content-Length only. Tests also record whether Content-Length was present.
 */
import { connect, type Socket } from 'node:net'

export interface WireResponse {
  readonly version: string
  readonly status: number
  readonly reason: string
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>
  readonly rawHeaderLines: readonly string[]
  readonly body: Buffer
}

/** A PYME Streamer request: `PUT /<name> HTTP/1.1`, keep-alive, Content-Length, body. */
export function streamerPut (name: string, body: Buffer | string, connection: 'keep-alive' | 'close' = 'keep-alive'): Buffer {
  const data = typeof body === 'string' ? Buffer.from(body) : body
  const head = Buffer.from(`PUT /${name} HTTP/1.1\r\nConnection: ${connection}\r\nContent-Length: ${data.length}\r\n\r\n`)
  return Buffer.concat([head, data])
}

export class WireClient {
  readonly socket: Socket
  #buf: Buffer = Buffer.alloc(0)
  #waiters: Array<() => void> = []
  #ended = false
  #error: Error | undefined

  private constructor (socket: Socket) {
    this.socket = socket
    socket.setNoDelay(true)
    socket.on('data', (c: Buffer) => {
      this.#buf = this.#buf.length === 0 ? c : Buffer.concat([this.#buf, c])
      this.#wake()
    })
    socket.on('end', () => { this.#ended = true; this.#wake() })
    socket.on('close', () => { this.#ended = true; this.#wake() })
    socket.on('error', (err) => { this.#error = err; this.#wake() })
  }

  static connect (port: number, host = '127.0.0.1'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host)
      s.once('connect', () => resolve(new WireClient(s)))
      s.once('error', reject)
    })
  }

  get ended (): boolean { return this.#ended }

  #wake (): void {
    const w = this.#waiters
    this.#waiters = []
    for (const f of w) f()
  }

  async #more (): Promise<void> {
    if (this.#error !== undefined) throw this.#error
    if (this.#ended) throw new Error('connection closed by server')
    await new Promise<void>((resolve) => this.#waiters.push(resolve))
  }

  write (data: Buffer | string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (err) => err ? reject(err) : resolve()))
  }

  async #line (): Promise<string> {
    for (;;) {
      const i = this.#buf.indexOf('\r\n')
      if (i >= 0) {
        const line = this.#buf.subarray(0, i).toString('latin1')
        this.#buf = this.#buf.subarray(i + 2)
        return line
      }
      await this.#more()
    }
  }

  async #bytes (n: number): Promise<Buffer> {
    while (this.#buf.length < n) await this.#more()
    const out = Buffer.from(this.#buf.subarray(0, n))
    this.#buf = this.#buf.subarray(n)
    return out
  }

  /** Reads one response, as strictly as PYME's parser (`head`: the answer to a HEAD, no body). */
  async response (head = false): Promise<WireResponse> {
    for (;;) {
      const statusLine = await this.#line()
      const parts = statusLine.trim().split(/\s+/)
      const version = parts[0] ?? ''
      const status = Number(parts[1])
      if (!Number.isInteger(status)) throw new Error(`bad status line ${JSON.stringify(statusLine)}`)
      const reason = statusLine.trim().split(/\s+/).slice(2).join(' ')
      const headers: Record<string, string> = {}
      const rawHeaderLines: string[] = []
      for (;;) {
        const line = await this.#line()
        if (line === '') break
        rawHeaderLines.push(line)
        if (rawHeaderLines.length > 100) throw new Error('more than 100 headers')
        const kv = line.trim().split(': ')
        if (kv.length !== 2) throw new Error(`header line not split in two by ': ': ${JSON.stringify(line)}`)
        headers[(kv[0] as string).toLowerCase()] = kv[1] as string
      }
      if (status === 100) continue
      const length = head ? 0 : Number(headers['content-length'] ?? '0')
      const body = await this.#bytes(length)
      return { version, status, reason, headers, rawHeaderLines, body }
    }
  }

  /** Resolves when the server has closed the connection. */
  async closed (): Promise<void> {
    while (!this.#ended) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
  }

  destroy (): void {
    this.socket.destroy()
  }
}
