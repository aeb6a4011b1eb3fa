/**
 * A pool of equally sized ArrayBuffers, reused instead of allocated per frame.
 *
 * On the machines we run on, the first touch of fresh memory costs far more than a copy into
 * memory touched before (an 8 MB buffer: about 4.7 ms to fill fresh, 0.25 ms reused), so frame
 * buffers are kept and handed out again. Plain ArrayBuffers (not Node's pooled Buffers), so
 * they can move to a worker thread and back with a transfer list.
 *
 * ```
 *   acquire() ─► free stack (LIFO: the most recently touched first) ─or─► new ArrayBuffer
 *   release(b) ─► back on the stack while it holds fewer than `retain`; else left to the GC
 *   reserve()  ─► one new buffer, touched, onto the stack (before a run: its first frames
 *                 then copy into memory touched before, like the rest)
 * ```
 * A buffer that was never given back (a failed send that might still be written) is simply
 * never reused; the pool only bounds what it keeps, not what is out.
 */
export class BufferPool {
  /** Size of every buffer, bytes. */
  readonly byteLength: number
  readonly #free: ArrayBuffer[] = []
  #retain: number
  #allocated = 0

  constructor (byteLength: number, retain: number) {
    this.byteLength = byteLength
    this.#retain = retain
  }

  /** A buffer of `byteLength` bytes with unspecified contents. */
  acquire (): ArrayBuffer {
    const free = this.#free.pop()
    if (free !== undefined) return free
    this.#allocated++
    return new ArrayBuffer(this.byteLength)
  }

  /**
   * Gives `buffer` back. Foreign sizes and detached buffers (moved to another thread) are
   * ignored, so a release is always safe to call.
   */
  release (buffer: ArrayBuffer): void {
    if (buffer.byteLength !== this.byteLength || this.#free.length >= this.#retain) return
    this.#free.push(buffer)
  }

  /**
   * Creates one buffer, touches every page of it and puts it on the free stack. Returns false,
   * creating nothing, when the stack already holds `retain` buffers.
   */
  reserve (): boolean {
    if (this.#free.length >= this.#retain) return false
    this.#allocated++
    const buffer = new ArrayBuffer(this.byteLength)
    new Uint8Array(buffer).fill(0)
    this.#free.push(buffer)
    return true
  }

  /** Buffers kept for reuse at most. */
  get retain (): number { return this.#retain }
  set retain (n: number) {
    this.#retain = n
    if (this.#free.length > n) this.#free.length = n
  }

  /** Buffers waiting for reuse. */
  get free (): number { return this.#free.length }

  /** Buffers created so far (a steady state creates none). */
  get allocated (): number { return this.#allocated }
}
