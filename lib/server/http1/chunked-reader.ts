/**
 * Decodes a chunked request body (RFC 9112 §7.1) from what a connection reads: chunk-size lines
 * (extensions allowed and ignored), the data of each chunk handed on as views of the read
 * buffer, the CRLF after it, and the trailer lines up to the empty one. A line longer than its
 * limit, a bare LF or a size that is not hex breaks the body.
 */

/** Where a chunked body's parts go. */
export interface ChunkedSink {
  /** Bytes of chunk data: a view of the read buffer, valid during the call. */
  data (buf: Buffer, start: number, end: number): void
  /** The last chunk and the trailers were read: the body is complete. */
  end (): void
  /** The framing is broken: the body can never be complete. */
  broken (): void
}

const SIZE = 0
const DATA = 1
const DATA_END = 2
const TRAILERS = 3

/** Longest chunk-size line (with extensions). */
const MAX_CHUNK_LINE = 4096

const LF = 10

export class ChunkedReader {
  readonly #maxTrailerLine: number
  #state = SIZE
  /** Data bytes left in the current chunk. */
  #remaining = 0
  /** A line cut by a read boundary: its text so far. */
  #line = ''

  constructor (maxHeaderBytes: number) {
    this.#maxTrailerLine = maxHeaderBytes
  }

  /** Starts a new body. */
  reset (): void {
    this.#state = SIZE
    this.#remaining = 0
    this.#line = ''
  }

  /** Reads one step from `buf[at, end)`; returns the position after what it consumed. */
  read (buf: Buffer, at: number, end: number, sink: ChunkedSink): number {
    if (this.#state !== DATA) return this.#readLine(buf, at, end, sink)
    const take = Math.min(this.#remaining, end - at)
    this.#remaining -= take
    if (this.#remaining === 0) {
      this.#state = DATA_END
      this.#line = ''
    }
    sink.data(buf, at, at + take)
    return at + take
  }

  #readLine (buf: Buffer, at: number, end: number, sink: ChunkedSink): number {
    const lf = buf.indexOf(LF, at)
    const stop = lf < 0 || lf >= end ? end : lf + 1
    this.#line += buf.toString('latin1', at, stop)
    if (stop === end && (lf < 0 || lf >= end)) {
      if (this.#line.length > (this.#state === TRAILERS ? this.#maxTrailerLine : MAX_CHUNK_LINE)) sink.broken()
      return end
    }
    const line = this.#line
    this.#line = ''
    if (!line.endsWith('\r\n')) {
      sink.broken()
      return stop
    }
    const text = line.slice(0, -2)
    if (this.#state === DATA_END) {
      if (text !== '') sink.broken()
      else this.#state = SIZE
      return stop
    }
    if (this.#state === TRAILERS) {
      if (text === '') sink.end()
      return stop
    }
    const m = /^([0-9A-Fa-f]{1,15})[ \t]*(?:;.*)?$/.exec(text)
    if (m === null) {
      sink.broken()
      return stop
    }
    const size = parseInt(m[1] as string, 16)
    if (size === 0) {
      this.#state = TRAILERS
    } else {
      this.#state = DATA
      this.#remaining = size
    }
    return stop
  }
}
