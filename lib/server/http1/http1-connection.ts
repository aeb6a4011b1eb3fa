/**
 * One client connection of `Http1Server`: reads requests (RFC 9112), hands each to the server
 * with its response, and writes the answers strictly in request order (PROTOCOL.md §3.1).
 *
 *   socket ─read into the server's shared buffer─▶ consume(buf, start, end)
 *     HEAD        lines scanned in place (a head cut by a read boundary is copied, ≤ maxHeaderBytes)
 *       └▶ parseRequestHead ─▶ onRequest(req, res)  (the handler may take the body directly)
 *     BODY        Content-Length bytes ─▶ req.push(view)      (false: stop reading until resumed)
 *     CHUNK_*     chunked framing decoded ─▶ req.push(view)
 *   answers:  queue [res₀ res₁ res₂ …]: only the oldest writes to the socket; the others' bytes
 *             wait in their entry until it is their turn. A parse error queues a raw answer
 *             behind the ones still owed, then the connection ends (400 / 431 / 501).
 *
 * What PYME's clients need and this keeps: no Host header required, no idle or request timeout,
 * any number of requests per connection, pipelining, half-closed uploads (the client's FIN ends a
 * body early: that request is refused, nothing stored). What a client trickling a head gets: the
 * head may grow to maxHeaderBytes (431 past it); garbage that cannot start a request line is
 * refused at once.
 */
import type { Socket } from 'node:net'
import { Http1Request } from './http1-request.js'
import { Http1Response } from './http1-response.js'
import { HeadFailure, parseRequestHead, plausibleLineStart } from './request-head.js'

/** What a connection needs of its server. */
export interface ConnectionHost {
  readonly maxHeaderBytes: number
  onRequest (req: Http1Request, res: Http1Response): void
  onClose (conn: Http1Connection): void
}

const HEAD = 0
const BODY = 1
const CHUNK_SIZE = 2
const CHUNK_DATA = 3
const CHUNK_DATA_END = 4
const TRAILERS = 5
/** No more requests are read (a `close` request, a parse error, EOF). */
const DONE = 6

/** Unanswered requests at which reading stops (pipelining depth), and where it resumes. */
const MAX_UNANSWERED = 64
const RESUME_UNANSWERED = 32
/** Bytes of a read gathered at a time while completing a head cut by a read boundary. */
const HEAD_STEP = 1024
/** Longest chunk-size line (with extensions). */
const MAX_CHUNK_LINE = 4096

const CR = 13
const LF = 10

interface Answer {
  readonly req: Http1Request | null
  readonly res: Http1Response | null
  /** Bytes held until it is this answer's turn. */
  out: Array<Buffer | string>
  outBytes: number
  /** Its writer was told to wait: 'drain' once its turn comes. */
  wait: boolean
  done: boolean
}

/** Bytes an answer that is not yet at the front may hold before its writer is told to wait. */
const HELD_OUT = 1 << 20

function rawFailure (status: number, reason: string): string {
  const body = `${status} ${reason}\n`
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
}

export class Http1Connection {
  readonly socket: Socket
  readonly #host: ConnectionHost
  #state = HEAD
  /** Whether the last request asked to close the connection after its answer. */
  #closeAfter = false
  /** A head (or chunk line) cut by a read boundary: its bytes so far. */
  #acc: Buffer | null = null
  #accLen = 0
  /** Start of the first line of the accumulated head not known to be complete. */
  #scanned = 0
  #line = ''
  #req: Http1Request | null = null
  #remaining = 0
  readonly #answers: Answer[] = []
  #first = 0
  #unanswered = 0
  #paused = false
  #backlogged = false
  #stash: Buffer | null = null
  #stashAt = 0
  #consuming = false
  /** Answer text written during the current read, not yet handed to the socket. */
  #batch = ''
  #eof = false
  #closed = false

  constructor (socket: Socket, host: ConnectionHost) {
    this.socket = socket
    this.#host = host
    socket.on('end', () => { this.#onEof() })
    socket.on('close', () => { this.#onClose() })
    socket.on('drain', () => { this.#answerAt(this.#first)?.res?.emit('drain') })
    // A reset or write error: 'close' follows and cleans up.
    socket.on('error', noop)
  }

  /** An answer can still be written. */
  get writable (): boolean {
    return this.socket.writable && !this.#closed
  }

  /** No request in progress and nothing of a next one received. */
  get idle (): boolean {
    return this.#unanswered === 0 && this.#state === HEAD && this.#accLen === 0 && !this.#paused
  }

  /** Bytes read from the socket (a view valid during the call). Returns false to stop reading. */
  onRead (buf: Buffer, start: number, end: number): boolean {
    if (this.#closed) return false
    this.#consuming = true
    try {
      this.#consume(buf, start, end)
    } finally {
      this.#consuming = false
      this.#writeBatch()
    }
    return !this.#paused
  }

  /**
   * The buffer the next read should fill: while a body whose sink offers its own buffers is
   * read, a part of one of those (so the body is never copied); undefined for the shared one.
   */
  readTarget (): Buffer | undefined {
    if (this.#state !== BODY || this.#paused || this.#closed) return undefined
    return this.#req?.bodyTarget(this.#remaining)
  }

  /** `n` body bytes were read into the buffer `readTarget` gave. Returns false to stop reading. */
  onDirectRead (n: number): boolean {
    if (this.#closed) return false
    const req = this.#req as Http1Request
    this.#consuming = true
    try {
      this.#remaining -= n
      if (!req.filledTarget(n)) this.#paused = true
      if (this.#remaining === 0) this.#bodyDone()
    } finally {
      this.#consuming = false
      this.#writeBatch()
    }
    return !this.#paused
  }

  // Answer heads written while one read is consumed leave together, in one system call (cheaper
  // than cork/uncork's writev for what is usually one short string).
  #writeBatch (): void {
    if (this.#batch === '') return
    const text = this.#batch
    this.#batch = ''
    if (!this.#closed) this.socket.write(text, 'latin1')
  }

  #write (data: Buffer | string): boolean {
    if (typeof data === 'string' && this.#consuming) {
      this.#batch += data
      return true
    }
    this.#writeBatch()
    return typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data)
  }

  /** Continues reading after a pause asked for by a body reader. */
  resumeReading (): void {
    if (!this.#paused || this.#closed) return
    if (this.#consuming) {
      process.nextTick(() => { this.resumeReading() })
      return
    }
    this.#paused = false
    const stash = this.#stash
    if (stash !== null) {
      const at = this.#stashAt
      this.#stash = null
      this.onRead(stash, at, stash.length)
    }
    if (!this.#paused) this.socket.resume()
  }

  destroy (): void {
    this.socket.destroy()
  }

  // Stops reading now: the rest of this read waits (copied: the read buffer is reused) until resumeReading.
  #pause (buf: Buffer, at: number, end: number): void {
    this.#paused = true
    if (at < end) {
      if (buf === this.#stash) {
        this.#stashAt = at
      } else {
        this.#stash = Buffer.allocUnsafe(end - at)
        buf.copy(this.#stash, 0, at, end)
        this.#stashAt = 0
      }
    } else {
      this.#stash = null
    }
  }

  #consume (buf: Buffer, start: number, end: number): void {
    let at = start
    while (at < end && !this.#closed) {
      if (this.#paused) {
        this.#pause(buf, at, end)
        return
      }
      switch (this.#state) {
        case HEAD:
          if (this.#unanswered >= MAX_UNANSWERED) {
            this.#backlogged = true
            this.#pause(buf, at, end)
            return
          }
          at = this.#readHead(buf, at, end)
          break
        case BODY: {
          const take = Math.min(this.#remaining, end - at)
          const req = this.#req as Http1Request
          const more = req.push(buf, at, at + take)
          at += take
          this.#remaining -= take
          if (this.#remaining === 0) this.#bodyDone()
          if (!more) this.#paused = true
          break
        }
        case CHUNK_DATA: {
          const take = Math.min(this.#remaining, end - at)
          const more = (this.#req as Http1Request).push(buf, at, at + take)
          at += take
          this.#remaining -= take
          if (this.#remaining === 0) {
            this.#state = CHUNK_DATA_END
            this.#line = ''
          }
          if (!more) this.#paused = true
          break
        }
        case CHUNK_SIZE:
        case CHUNK_DATA_END:
        case TRAILERS:
          at = this.#readChunkLine(buf, at, end)
          break
        default:
          // DONE: a request after a `Connection: close` one is refused (as Node's parser did);
          // anything after a failure is dropped.
          if (this.#closeAfter) {
            this.#closeAfter = false
            this.#fail(400, 'Bad Request')
          }
          return
      }
    }
    if (this.#paused && !this.#closed) this.#pause(buf, at, end)
  }

  // Scans for the end of a head; returns the position after what it consumed.
  #readHead (buf: Buffer, at: number, end: number): number {
    const max = this.#host.maxHeaderBytes
    if (this.#accLen === 0) {
      // Empty lines before a request line are skipped (RFC 9112 §2.2).
      while (at + 1 < end && buf[at] === CR && buf[at + 1] === LF) at += 2
      if (at === end) return at
      const found = scanHead(buf, at, at, end)
      if (found === -2) return this.#fail(400, 'Bad Request')
      if (found === -1) {
        if (end - at > max) return this.#fail(431, 'Request Header Fields Too Large')
        if (!plausibleStart(buf, at, end)) return this.#fail(400, 'Bad Request')
        this.#scanned = scannedTo - at
        this.#keep(buf, at, end)
        return end
      }
      if (found - at > max + 4) return this.#fail(431, 'Request Header Fields Too Large')
      this.#startRequest(buf.toString('latin1', at, found - 4))
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
      // Lines already complete are not scanned again (a head trickled byte by byte stays linear).
      const found = scanHead(acc, 0, this.#scanned, this.#accLen)
      if (found === -2) return this.#fail(400, 'Bad Request')
      if (found >= 0) {
        this.#accLen = 0
        if (found > max + 4) return this.#fail(431, 'Request Header Fields Too Large')
        this.#startRequest(acc.toString('latin1', 0, found - 4))
        return pos - take + (found - before)
      }
      this.#scanned = scannedTo
      if (this.#accLen > max) return this.#fail(431, 'Request Header Fields Too Large')
      if (!plausibleStart(acc, 0, this.#accLen)) return this.#fail(400, 'Bad Request')
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

  #startRequest (text: string): void {
    const head = parseRequestHead(text)
    if (head instanceof HeadFailure) {
      this.#fail(head.status, head.reason)
      return
    }
    const req = new Http1Request(head, this)
    const res = new Http1Response(this, head.method === 'HEAD', head.keepAlive)
    this.#answers.push({ req, res, out: [], outBytes: 0, wait: false, done: false })
    this.#unanswered++
    this.#closeAfter = !head.keepAlive
    if (head.chunked) {
      this.#req = req
      this.#state = CHUNK_SIZE
      this.#line = ''
    } else if (head.contentLength > 0) {
      this.#req = req
      this.#state = BODY
      this.#remaining = head.contentLength
    } else {
      this.#state = this.#closeAfter ? DONE : HEAD
    }
    this.#host.onRequest(req, res)
    if (this.#req !== req) req.finish()
  }

  #bodyDone (): void {
    const req = this.#req as Http1Request
    this.#req = null
    this.#state = this.#closeAfter ? DONE : HEAD
    req.finish()
  }

  // Chunk-size lines, the CRLF after chunk data, and trailer lines (RFC 9112 §7.1).
  #readChunkLine (buf: Buffer, at: number, end: number): number {
    const lf = buf.indexOf(LF, at)
    const stop = lf < 0 || lf >= end ? end : lf + 1
    this.#line += buf.toString('latin1', at, stop)
    if (stop === end && (lf < 0 || lf >= end)) {
      if (this.#line.length > (this.#state === TRAILERS ? this.#host.maxHeaderBytes : MAX_CHUNK_LINE)) this.#brokenBody()
      return end
    }
    const line = this.#line
    this.#line = ''
    if (!line.endsWith('\r\n')) {
      this.#brokenBody()
      return stop
    }
    const text = line.slice(0, -2)
    if (this.#state === CHUNK_DATA_END) {
      if (text !== '') this.#brokenBody()
      else this.#state = CHUNK_SIZE
      return stop
    }
    if (this.#state === TRAILERS) {
      if (text === '') this.#bodyDone()
      return stop
    }
    const m = /^([0-9A-Fa-f]{1,15})[ \t]*(?:;.*)?$/.exec(text)
    if (m === null) {
      this.#brokenBody()
      return stop
    }
    const size = parseInt(m[1] as string, 16)
    if (size === 0) {
      this.#state = TRAILERS
    } else {
      this.#state = CHUNK_DATA
      this.#remaining = size
    }
    return stop
  }

  // The body's framing is broken: the request is aborted (its handler answers 400 and closes).
  #brokenBody (): void {
    const req = this.#req
    this.#req = null
    this.#state = DONE
    this.#closeAfter = false
    req?.abort()
    this.#endWhenAnswered()
  }

  // A request that cannot be parsed: answered after the answers still owed, then the connection ends.
  #fail (status: number, reason: string): number {
    this.#state = DONE
    this.#closeAfter = false
    this.#accLen = 0
    this.#answers.push({ req: null, res: null, out: [rawFailure(status, reason)], outBytes: 0, wait: false, done: true })
    this.#flush()
    return Number.MAX_SAFE_INTEGER
  }

  #onEof (): void {
    this.#eof = true
    const req = this.#req
    if (req !== null) {
      // A half-closed upload: the body will never be complete.
      this.#req = null
      req.abort()
    }
    this.#state = DONE
    this.#closeAfter = false
    this.#endWhenAnswered()
  }

  #endWhenAnswered (): void {
    if (this.#first === this.#answers.length && !this.#closed) {
      this.#writeBatch()
      this.socket.end()
    }
  }

  // After an answer that ends the connection (as node:http's destroySoon): FIN, then gone.
  #endAfter (): void {
    // A request already refused behind it is still answered (as Node's parser did).
    for (let i = this.#first; i < this.#answers.length; i++) {
      const answer = this.#answers[i] as Answer
      if (answer.res === null) for (const piece of answer.out) this.#write(piece)
      else answer.res.gone()
    }
    this.#answers.length = 0
    this.#first = 0
    this.#writeBatch()
    this.socket.end()
    if (this.socket.writableFinished) this.socket.destroy()
    else this.socket.once('finish', () => { this.socket.destroy() })
  }

  #onClose (): void {
    if (this.#closed) return
    this.#closed = true
    this.#stash = null
    // Bodies not read whole are refused: a body cut off, or one parsed but not yet read by its
    // handler (as node:http destroyed those); a body already taken whole may still be committed.
    this.#req?.abort()
    this.#req = null
    for (let i = this.#first; i < this.#answers.length; i++) {
      const answer = this.#answers[i] as Answer
      answer.req?.abort()
      answer.res?.gone()
    }
    this.#answers.length = 0
    this.#first = 0
    this.#host.onClose(this)
  }

  #answerAt (i: number): Answer | undefined {
    return i < this.#answers.length ? this.#answers[i] : undefined
  }

  /** Queues bytes of `res` (see Http1Response); false when the socket wants 'drain'. */
  send (res: Http1Response, data: Buffer | string, last: boolean): boolean {
    if (this.#closed) return false
    let i = this.#first
    while (i < this.#answers.length && this.#answers[i]?.res !== res) i++
    const answer = this.#answers[i]
    if (answer === undefined) return false
    if (last) answer.done = true
    if (i !== this.#first) {
      if (data.length > 0) answer.out.push(data)
      answer.outBytes += data.length
      if (answer.outBytes < HELD_OUT) return true
      answer.wait = true
      return false
    }
    const ok = data.length === 0 ? true : this.#write(data)
    if (last) this.#flush()
    return ok
  }

  // Retires finished answers at the head of the queue and writes what the next ones hold.
  #flush (): void {
    while (this.#first < this.#answers.length && !this.#closed) {
      const answer = this.#answers[this.#first] as Answer
      for (const piece of answer.out) this.#write(piece)
      answer.out = []
      answer.outBytes = 0
      if (!answer.done) {
        if (answer.wait) {
          answer.wait = false
          answer.res?.emit('drain')
        }
        return
      }
      this.#first++
      const res = answer.res
      if (res === null) {
        // A raw failure: nothing more is owed or read.
        this.#writeBatch()
        this.socket.end()
        this.#answers.length = 0
        this.#first = 0
        return
      }
      this.#unanswered--
      res.finished()
      if (!res.keepAlive) {
        this.#state = DONE
        this.#closeAfter = false
        this.#endAfter()
        return
      }
      if (this.#backlogged && this.#unanswered <= RESUME_UNANSWERED) {
        this.#backlogged = false
        this.resumeReading()
      }
    }
    if (this.#first === this.#answers.length) {
      this.#answers.length = 0
      this.#first = 0
      if (this.#eof || this.#state === DONE) this.#endWhenAnswered()
    }
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

function noop (): void {}
