/**
 * One request of an `Http1Connection`: its head, and its body delivered one of two ways.
 *
 * - **Direct** (`takeBody(sink)`, called while the request is dispatched): every body piece goes
 *   to the sink as a view of the connection's read buffer, valid only during the call. No copy,
 *   no event, no stream: the write-once PUT path writes it to its file right there.
 * - **As a stream** (the part of `IncomingMessage` the server's handlers use: 'data', 'end',
 *   'close', `pause()`, `resume()`, `complete`, `destroyed`, `readableEnded`): each piece is
 *   copied out of the read buffer (the buffer is reused by the next read), as node:http does.
 *   Pieces nobody reads yet are kept, up to HIGH_WATER bytes; past that the connection stops
 *   reading until they are consumed.
 *
 *   connection ──push(buf, start, end)──▶ direct sink ─▶ (file)
 *                                      └▶ copy ─▶ [kept while paused] ─▶ 'data' … 'end'
 */
import { EventEmitter } from 'node:events'
import type { RequestHead } from './request-head.js'

/** Bytes of body kept for a reader that is not reading before the connection pauses. */
const HIGH_WATER = 1 << 20

/** Receives body pieces as views valid during the call only. */
export interface DirectBodySink {
  /** Returns false to have the connection stop reading until `resumeReading()` is called. */
  write (buf: Buffer, start: number, end: number): boolean
  /** The whole body has arrived. */
  end (): void
  /** The body will not be complete (client gone, framing broken). */
  abort (): void
  /** Optional: a buffer of at most `max` bytes the next read may fill with body bytes directly. */
  target?: (max: number) => Buffer | undefined
  /** `n` body bytes were read into the last target. Returns false to stop reading. */
  filled?: (n: number) => boolean
}

/** What a request needs of its connection. */
export interface RequestConnection {
  readonly writable: boolean
  resumeReading (): void
}

export class Http1Request extends EventEmitter {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly httpVersionMajor: number
  readonly httpVersionMinor: number
  /** Content-Length, -1 for none (or chunked). */
  readonly contentLength: number
  readonly chunked: boolean
  /** The connection (`writable` tells whether an answer can still be sent). */
  readonly socket: RequestConnection
  /** The whole body has arrived. */
  complete = false
  destroyed = false
  readableEnded = false
  #sink: DirectBodySink | null = null
  #kept: Buffer[] = []
  #keptAt = 0
  #keptBytes = 0
  #flowing = false
  #explicitPause = false
  #scheduled = false
  #starved = false

  constructor (head: RequestHead, connection: RequestConnection) {
    super()
    this.method = head.method
    this.url = head.url
    this.headers = head.headers
    this.httpVersionMajor = head.httpVersionMajor
    this.httpVersionMinor = head.httpVersionMinor
    this.contentLength = head.contentLength
    this.chunked = head.chunked
    this.socket = connection
  }

  /** Has the body delivered to `sink` directly (see the file comment); only before any piece arrived. */
  takeBody (sink: DirectBodySink): boolean {
    if (this.#sink !== null || this.#keptBytes > 0 || this.#flowing || this.complete || this.destroyed) return false
    this.#sink = sink
    return true
  }

  /** @internal A body piece (a view of the read buffer). Returns false to stop reading. */
  push (buf: Buffer, start: number, end: number): boolean {
    if (this.#sink !== null) return this.#sink.write(buf, start, end)
    if (this.destroyed) return true
    const copy = Buffer.allocUnsafe(end - start)
    buf.copy(copy, 0, start, end)
    if (this.#flowing && this.#keptAt === this.#kept.length) {
      this.emit('data', copy)
      return true
    }
    this.#kept.push(copy)
    this.#keptBytes += copy.length
    if (this.#keptBytes < HIGH_WATER) return true
    this.#starved = true
    return false
  }

  /** @internal Where the next read may put up to `max` body bytes directly (see DirectBodySink.target). */
  bodyTarget (max: number): Buffer | undefined {
    return this.#sink?.target?.(max)
  }

  /** @internal `n` body bytes were read into the last `bodyTarget`. */
  filledTarget (n: number): boolean {
    return this.#sink?.filled?.(n) ?? true
  }

  /** @internal The whole body has arrived. */
  finish (): void {
    this.complete = true
    if (this.#sink !== null) {
      this.#sink.end()
      return
    }
    this.#schedule()
  }

  /** @internal The connection is gone (or its framing broke) before the body was read. */
  abort (): void {
    if (this.destroyed || this.readableEnded) return
    // A body handed whole to its sink stays valid: the sink's owner decides.
    if (this.#sink !== null && this.complete) return
    this.destroyed = true
    this.#kept = []
    this.#keptAt = 0
    this.#keptBytes = 0
    if (this.#sink !== null) {
      this.#sink.abort()
      return
    }
    this.emit('aborted')
    this.emit('close')
  }

  override on (event: string | symbol, listener: (...args: any[]) => void): this {
    super.on(event, listener)
    // As a Readable: listening for data starts the flow unless paused explicitly.
    if (event === 'data' && !this.#explicitPause) this.resume()
    return this
  }

  pause (): this {
    this.#explicitPause = true
    this.#flowing = false
    return this
  }

  resume (): this {
    this.#explicitPause = false
    if (!this.#flowing) {
      this.#flowing = true
      this.#schedule()
    }
    return this
  }

  #schedule (): void {
    if (this.#scheduled) return
    this.#scheduled = true
    process.nextTick(() => { this.#flow() })
  }

  // Delivers kept pieces while flowing, then 'end' once the body is complete and read.
  #flow (): void {
    this.#scheduled = false
    if (this.destroyed) return
    while (this.#flowing && this.#keptAt < this.#kept.length) {
      const chunk = this.#kept[this.#keptAt++] as Buffer
      this.#keptBytes -= chunk.length
      this.emit('data', chunk)
    }
    if (this.#keptAt === this.#kept.length) {
      this.#kept = []
      this.#keptAt = 0
    }
    if (this.#kept.length === 0 && this.#starved) {
      this.#starved = false
      this.socket.resumeReading()
    }
    if (this.#flowing && this.#kept.length === 0 && this.complete && !this.readableEnded) {
      this.readableEnded = true
      this.emit('end')
      this.emit('close')
    }
  }
}
