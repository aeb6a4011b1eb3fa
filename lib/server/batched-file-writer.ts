/**
 * Writes a streamed request body to an open file in large batches. node:http hands a body
 * over in pieces of at most 64 KiB (its parser reads the socket into one static 64 KiB buffer
 * and copies each body piece out); written one by one, an 8 MiB frame costs a hundred or
 * more round trips through libuv's thread pool, each a wake-up of a pool thread and of the
 * event loop. Here the pieces are kept as they are (no copy) and written with one `writev`
 * per BATCH bytes, one batch in flight at a time:
 *
 *   write(piece) ─► chunks[] ──(≥ BATCH, nothing in flight)──► writev(fd, chunks) on the pool
 *        │                                                              │
 *        └ false once BATCH + HIGH_WATER bytes wait ◄── 'drain' ◄── done ┘
 *   end(cb) ─► the rest in one writev ─► cb(err)
 *
 * Measured against collecting the body into one reused buffer and writing it once
 * (docs/benchmarks.md): the copy into the buffer costs the main thread more than the few
 * extra pool round trips do, and the reused buffers would be memory held per connection.
 *
 * A write error is reported once through 'error' and by `end`'s callback; later pieces are
 * dropped (the caller reads the rest of the body and answers with the error).
 */
import { EventEmitter } from 'node:events'
import { writev } from 'node:fs'
import type { BodySink } from './body-receiver.js'

/** Bytes gathered before a writev (16 pieces of 64 KiB). */
export const WRITE_BATCH = 1 << 20
/** Bytes waiting (gathered, or in the writev in flight) before `write` asks the reader to pause. */
const HIGH_WATER = 4 * WRITE_BATCH

export class BatchedFileWriter extends EventEmitter implements BodySink {
  readonly #fd: number
  #chunks: Buffer[] = []
  /** Bytes in `#chunks`. */
  #gathered = 0
  /** Bytes of the writev in flight; 0 when none is. */
  #writing = 0
  #needDrain = false
  /** Set by `stop()`: nothing more goes to the file. */
  #stopped = false
  #error: Error | null = null
  #onEnd: ((err?: Error | null) => void) | null = null
  readonly #afterWrite: (err: NodeJS.ErrnoException | null, written: number, buffers: Buffer[]) => void

  constructor (fd: number) {
    super()
    this.#fd = fd
    // Bound once, not per batch.
    this.#afterWrite = (err, written, buffers) => { this.#written(err, written, buffers) }
  }

  write (chunk: Buffer): boolean {
    if (this.#error !== null || this.#stopped) return true
    this.#chunks.push(chunk)
    this.#gathered += chunk.length
    if (this.#writing === 0 && this.#gathered >= WRITE_BATCH) this.#flush()
    if (this.#gathered + this.#writing < HIGH_WATER) return true
    this.#needDrain = true
    return false
  }

  end (cb: (err?: Error | null) => void): void {
    this.#onEnd = cb
    if (this.#writing !== 0) return
    if (this.#gathered > 0 && this.#error === null) this.#flush()
    else this.#finish()
  }

  /**
   * Stops writing (pieces not yet handed to the file system are dropped) and resolves once no
   * writev is in flight any more: only then may the descriptor be closed, or a late writev
   * could land in another file that was given the same descriptor number.
   */
  stop (): Promise<void> {
    this.#stopped = true
    this.#chunks = []
    this.#gathered = 0
    if (this.#writing === 0) return Promise.resolve()
    return new Promise((resolve) => { this.once('idle', resolve) })
  }

  #flush (): void {
    const chunks = this.#chunks
    this.#writing = this.#gathered
    this.#chunks = []
    this.#gathered = 0
    writev(this.#fd, chunks, null, this.#afterWrite)
  }

  #written (err: NodeJS.ErrnoException | null, written: number, buffers: Buffer[]): void {
    /* c8 ignore start: a short write without an error (allowed, not seen for regular files;
       libuv itself retries until all is written or an error occurs) */
    if (err === null && written < this.#writing) {
      // The rest goes first, before anything newer.
      this.#writing -= written
      writev(this.#fd, unwritten(buffers, written), null, this.#afterWrite)
      return
    }
    /* c8 ignore stop */
    this.#writing = 0
    if (err !== null && this.#error === null) {
      this.#error = err
      this.#chunks = []
      this.#gathered = 0
      // Told once, to whoever still listens (the body receiver stops listening once settled).
      if (this.listenerCount('error') > 0) this.emit('error', err)
    }
    if (this.#error === null && !this.#stopped && (this.#gathered >= WRITE_BATCH || (this.#onEnd !== null && this.#gathered > 0))) {
      this.#flush()
    } else {
      this.emit('idle')
      if (this.#onEnd !== null) {
        this.#finish()
        return
      }
    }
    if (this.#needDrain && this.#gathered + this.#writing < HIGH_WATER) {
      this.#needDrain = false
      this.emit('drain')
    }
  }

  #finish (): void {
    const cb = this.#onEnd
    this.#onEnd = null
    cb?.(this.#error)
  }
}

/** What is left of `buffers` after a write of `skip` bytes (views, no copy). */
export function unwritten (buffers: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = []
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length
    } else {
      out.push(skip > 0 ? b.subarray(skip) : b)
      skip = 0
    }
  }
  return out
}
