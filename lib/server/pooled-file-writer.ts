/**
 * Writes a large request body to an open file: the connection reads the body straight into pooled
 * 1 MiB buffers (memory touched before, never allocated per piece; only the part that came with
 * the request's head is copied), and each full buffer goes to the file with one positioned write
 * on libuv's pool, one at a time, in order:
 *
 *   target() ◄─ the socket reads into [filling] directly (no copy); write(view) copies what came another way
 *   [filling] ─full─► queue ─► write(fd, buf, pos) ─done─► buffer back to the pool
 *        └ false once HOLD buffers are out: the connection stops reading until 'resume'
 *   end(cb) ─► the last part written ─► cb(err)
 *
 * A write error is kept and reported by `end`; later pieces are dropped (the caller reads the
 * rest of the body and answers with the error). `stop()` waits for a write in flight, so the
 * descriptor is never closed under it.
 */
import { write } from 'node:fs'
import type { BufferPool } from '../internal/buffer-pool.js'

/** Buffers one upload may hold (filling, queued, being written) before reading pauses. */
const HOLD = 4

export class PooledFileWriter {
  readonly #fd: number
  readonly #pool: BufferPool
  readonly #onResume: () => void
  #cur: Buffer | null = null
  #filled = 0
  readonly #queue: Array<[Buffer, number]> = []
  #queueAt = 0
  #held = 0
  #position = 0
  #writing = false
  #stopped = false
  #paused = false
  #error: Error | null = null
  #onEnd: ((err: Error | null) => void) | null = null
  #onIdle: (() => void) | null = null
  readonly #afterWrite: (err: NodeJS.ErrnoException | null, written: number) => void

  /** `onResume` is called when a writer that asked to pause has room again. */
  constructor (fd: number, pool: BufferPool, onResume: () => void) {
    this.#fd = fd
    this.#pool = pool
    this.#onResume = onResume
    // Bound once, not per write.
    this.#afterWrite = (err, written) => { this.#written(err, written) }
  }

  /** Copies `buf[start, end)`; false asks the reader to pause until `onResume`. */
  write (buf: Buffer, start: number, end: number): boolean {
    if (this.#error !== null || this.#stopped) return true
    const size = this.#pool.byteLength
    while (start < end) {
      if (this.#cur === null) {
        this.#cur = Buffer.from(this.#pool.acquire())
        this.#filled = 0
        this.#held++
      }
      const n = Math.min(end - start, size - this.#filled)
      buf.copy(this.#cur, this.#filled, start, start + n)
      this.#filled += n
      start += n
      if (this.#filled === size) this.#enqueue()
    }
    if (this.#held < HOLD) return true
    this.#paused = true
    return false
  }

  /**
   * Where the next `max` bytes or fewer may be read to directly (no copy): the free part of the
   * buffer being filled. Undefined once writing has stopped or failed.
   */
  target (max: number): Buffer | undefined {
    if (this.#error !== null || this.#stopped) return undefined
    if (this.#cur === null) {
      this.#cur = Buffer.from(this.#pool.acquire())
      this.#filled = 0
      this.#held++
    }
    return this.#cur.subarray(this.#filled, this.#filled + Math.min(max, this.#cur.length - this.#filled))
  }

  /** `n` bytes were read into the last `target`; false asks the reader to pause. */
  filled (n: number): boolean {
    if (this.#cur === null) return true
    this.#filled += n
    if (this.#filled === this.#cur.length) this.#enqueue()
    if (this.#held < HOLD) return true
    this.#paused = true
    return false
  }

  /** Writes what is left; `cb` gets the first write error, if any. */
  end (cb: (err: Error | null) => void): void {
    this.#onEnd = cb
    if (this.#cur !== null && this.#filled > 0 && this.#error === null) this.#enqueue()
    if (!this.#writing) this.#finish()
  }

  /** Drops what is not written yet; resolves once no write is in flight. */
  stop (): Promise<void> {
    this.#stopped = true
    this.#drop()
    if (!this.#writing) return Promise.resolve()
    return new Promise((resolve) => { this.#onIdle = resolve })
  }

  #enqueue (): void {
    this.#queue.push([this.#cur as Buffer, this.#filled])
    this.#cur = null
    this.#filled = 0
    if (!this.#writing) this.#next()
  }

  #next (): void {
    if (this.#queueAt === this.#queue.length) {
      this.#queue.length = 0
      this.#queueAt = 0
      return
    }
    const [buf, length] = this.#queue[this.#queueAt] as [Buffer, number]
    this.#writing = true
    write(this.#fd, buf, 0, length, this.#position, this.#afterWrite)
  }

  #written (err: NodeJS.ErrnoException | null, written: number): void {
    this.#writing = false
    const [buf, length] = this.#queue[this.#queueAt] as [Buffer, number]
    if (err === null && written < length) {
      /* c8 ignore next 5: a short write without an error (allowed, not seen for regular files) */
      this.#position += written
      this.#queue[this.#queueAt] = [buf.subarray(written), length - written]
      if (!this.#stopped) this.#next()
      return
    }
    this.#queueAt++
    this.#release(buf)
    if (err !== null) {
      this.#error ??= err
      this.#drop()
    } else {
      this.#position += length
    }
    if (this.#stopped) {
      this.#onIdle?.()
      return
    }
    this.#next()
    if (this.#paused && this.#held < HOLD) {
      this.#paused = false
      this.#onResume()
    }
    if (!this.#writing && this.#onEnd !== null) this.#finish()
  }

  // Forgets everything not yet handed to the file system.
  #drop (): void {
    for (let i = this.#queueAt + (this.#writing ? 1 : 0); i < this.#queue.length; i++) this.#release((this.#queue[i] as [Buffer, number])[0])
    this.#queue.length = this.#writing ? this.#queueAt + 1 : this.#queueAt
    // The buffer being filled may be the socket's pending read target: it is left to the GC,
    // never handed to another upload that the pending read would then write into.
    if (this.#cur !== null) this.#held--
    this.#cur = null
    if (this.#paused) {
      this.#paused = false
      this.#onResume()
    }
  }

  #release (buf: Buffer): void {
    this.#held--
    this.#pool.release(buf.buffer as ArrayBuffer)
  }

  #finish (): void {
    const cb = this.#onEnd
    this.#onEnd = null
    cb?.(this.#error)
  }
}
