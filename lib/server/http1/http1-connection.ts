/**
 * One client connection of `Http1Server`: reads requests (RFC 9112), hands each to the server
 * with its response, and writes the answers strictly in request order (PROTOCOL.md §3.1).
 *
 *   socket ─read into the server's shared buffer─▶ consume(buf, start, end)
 *     HEAD        HeadReader: lines scanned in place (a head cut by a read boundary is gathered)
 *       └▶ parseRequestHead ─▶ onRequest(req, res)  (the handler may take the body directly)
 *     BODY        Content-Length bytes ─▶ req.push(view)      (false: stop reading until resumed)
 *     CHUNKED     chunked framing decoded (ChunkedReader) ─▶ req.push(view)
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
import { ChunkedReader, type ChunkedSink } from './chunked-reader.js'
import { HeadReader, type HeadSink } from './head-reader.js'
import { HeadFailure, parseRequestHead } from './request-head.js'

/** What a connection needs of its server. */
export interface ConnectionHost {
  readonly maxHeaderBytes: number
  onRequest (req: Http1Request, res: Http1Response): void
  onClose (conn: Http1Connection): void
}

const HEAD = 0
const BODY = 1
const CHUNKED = 2
/** No more requests are read (a `close` request, a parse error, EOF). */
const DONE = 3

/** Unanswered requests at which reading stops (pipelining depth), and where it resumes. */
const MAX_UNANSWERED = 64
const RESUME_UNANSWERED = 32
/** Smallest stash memory, bytes (stashes are usually what is left of one read). */
const STASH_MIN = 64 * 1024


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
  readonly #head: HeadReader
  readonly #headSink: HeadSink
  readonly #chunked: ChunkedReader
  readonly #chunkedSink: ChunkedSink
  #req: Http1Request | null = null
  #remaining = 0
  readonly #answers: Answer[] = []
  #first = 0
  #unanswered = 0
  #paused = false
  #backlogged = false
  #stash: Buffer | null = null
  /** The memory stashes are kept in, reused from one pause to the next. */
  #stashMemory: Buffer | null = null
  #stashAt = 0
  #consuming = false
  /** Answer text written during the current read, not yet handed to the socket. */
  #batch = ''
  #eof = false
  #closed = false

  constructor (socket: Socket, host: ConnectionHost) {
    this.socket = socket
    this.#host = host
    this.#head = new HeadReader(host.maxHeaderBytes)
    this.#headSink = { head: (text) => { this.#startRequest(text) }, fail: (status, reason) => this.#fail(status, reason) }
    this.#chunked = new ChunkedReader(host.maxHeaderBytes)
    this.#chunkedSink = {
      data: (buf, start, end) => { if (!(this.#req as Http1Request).push(buf, start, end)) this.#paused = true },
      end: () => { this.#bodyDone() },
      broken: () => { this.#brokenBody() }
    }
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
    return this.#unanswered === 0 && this.#state === HEAD && !this.#head.pending && !this.#paused
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
    // Also while paused by the body's writer: the read after the resume then lands in the
    // writer's next buffer, not in the shared one (a copy of up to 1 MiB per pause). Not with a
    // stash: it is consumed first on resume and may end the body.
    if (this.#state !== BODY || this.#stash !== null || this.#closed) return undefined
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
        // Into memory this connection keeps (fresh memory costs page faults per pause). `buf`
        // may be a view of it (a stash being consumed): `copy` moves overlapping bytes safely.
        const n = end - at
        if (this.#stashMemory === null || this.#stashMemory.length < n) this.#stashMemory = Buffer.allocUnsafeSlow(Math.max(n, STASH_MIN))
        buf.copy(this.#stashMemory, 0, at, end)
        this.#stash = this.#stashMemory.subarray(0, n)
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
          at = this.#head.read(buf, at, end, this.#headSink)
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
        case CHUNKED:
          at = this.#chunked.read(buf, at, end, this.#chunkedSink)
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
      this.#state = CHUNKED
      this.#chunked.reset()
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
    this.#head.reset()
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
    this.#stashMemory = null
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

function noop (): void {}
