/**
 * Finds the request heads in what a connection reads (RFC 9112 §2.2, §5): scanned in place in
 * the read buffer when a head arrives whole, gathered into a small buffer of its own when a
 * read boundary cuts it (1 KiB at a time, so the body bytes after it are not copied with it).
 * Lines already known complete are not scanned again, so a head trickled byte by byte costs
 * linear time; a head may grow to `maxHeaderBytes` (431 past it), and bytes that cannot start
 * a request line are refused at once (400).
 */
import { plausibleLineStart } from './request-head.js'

/** Where a head (or its refusal) goes. */
export interface HeadSink {
  /** A complete head, without the empty line that ends it. */
  head (text: string): void
  /** No request can be read from here: refuse with `status`; returns where reading continues. */
  fail (status: number, reason: string): number
}

/** Bytes of a read gathered at a time while completing a head cut by a read boundary. */
const HEAD_STEP = 1024

const CR = 13
const LF = 10

export class HeadReader {
  readonly #max: number
  /** A head cut by a read boundary: its bytes so far. */
  #acc: Buffer | null = null
  #accLen = 0
  /** Start of the first line of the accumulated head not known to be complete. */
  #scanned = 0

  constructor (maxHeaderBytes: number) {
    this.#max = maxHeaderBytes
  }

  /** Part of a head has been read and the rest is awaited. */
  get pending (): boolean {
    return this.#accLen > 0
  }

  /** Forgets a partial head (the connection reads no more requests). */
  reset (): void {
    this.#accLen = 0
  }

  /** Reads a head from `buf[at, end)`; returns the position after what it consumed. */
  read (buf: Buffer, at: number, end: number, sink: HeadSink): number {
    const max = this.#max
    if (this.#accLen === 0) {
      // Empty lines before a request line are skipped (RFC 9112 §2.2).
      while (at + 1 < end && buf[at] === CR && buf[at + 1] === LF) at += 2
      if (at === end) return at
      const found = scanHead(buf, at, at, end)
      if (found === -2) return sink.fail(400, 'Bad Request')
      if (found === -1) {
        if (end - at > max) return sink.fail(431, 'Request Header Fields Too Large')
        if (!plausibleStart(buf, at, end)) return sink.fail(400, 'Bad Request')
        this.#scanned = scannedTo - at
        this.#keep(buf, at, end)
        return end
      }
      if (found - at > max + 4) return sink.fail(431, 'Request Header Fields Too Large')
      sink.head(buf.toString('latin1', at, found - 4))
      return found
    }
    // A head continued from an earlier read: gathered into the accumulator in small steps (a
    // head is short; the body after it stays where it is), scanned there.
    let pos = at
    for (;;) {
      const before = this.#accLen
      const take = Math.min(end - pos, HEAD_STEP, Math.max(max + 4 - before, 0) + 1)
      this.#keep(buf, pos, pos + take)
      pos += take
      const acc = this.#acc as Buffer
      const found = scanHead(acc, 0, this.#scanned, this.#accLen)
      if (found === -2) return sink.fail(400, 'Bad Request')
      if (found >= 0) {
        this.#accLen = 0
        if (found > max + 4) return sink.fail(431, 'Request Header Fields Too Large')
        sink.head(acc.toString('latin1', 0, found - 4))
        return pos - take + (found - before)
      }
      this.#scanned = scannedTo
      if (this.#accLen > max) return sink.fail(431, 'Request Header Fields Too Large')
      if (!plausibleStart(acc, 0, this.#accLen)) return sink.fail(400, 'Bad Request')
      if (pos === end) return end
    }
  }

  #keep (buf: Buffer, start: number, end: number): void {
    const need = this.#accLen + (end - start)
    if (this.#acc === null || this.#acc.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, 1024, (this.#acc?.length ?? 0) * 2))
      this.#acc?.copy(grown, 0, 0, this.#accLen)
      this.#acc = grown
    }
    buf.copy(this.#acc, this.#accLen, start, end)
    this.#accLen = need
  }
}

/**
 * Index just past the empty line ending the head that starts at `from`, -1 when it is not
 * complete before `to`, -2 for a line ending in a bare LF (refused, as Node's strict parser).
 */
function scanHead (buf: Buffer, from: number, pos: number, to: number): number {
  for (;;) {
    const lf = buf.indexOf(LF, pos)
    if (lf < 0 || lf >= to) {
      scannedTo = pos
      return -1
    }
    if (lf === from || buf[lf - 1] !== CR) return -2
    if (lf - 1 === pos && pos !== from) return lf + 1
    pos = lf + 1
  }
}

/** Where the last incomplete scanHead stopped: the start of its unfinished line. */
let scannedTo = 0

function plausibleStart (buf: Buffer, from: number, to: number): boolean {
  const n = Math.min(to - from, 64)
  return plausibleLineStart(buf.toString('latin1', from, from + n))
}
