/**
 * The streamer's byte budget: every byte the streamer holds (queued, encoding, in flight,
 * waiting for an acknowledgement) is charged here and released on acknowledgement or failure.
 *
 * An item fits when `held + reserved + size <= limit`, or when nothing at all is held or
 * reserved (so one item larger than the whole budget can still pass, alone). Waiters
 * (`waitFor`) are woken in FIFO order as bytes are released, each with its room reserved: a
 * waiter resumes some microtasks after it is woken, and without the reservation a second
 * release in the same tick handed the same room to the next waiter too (the budget overran).
 */
import { RingQueue } from '../internal/ring-queue.js'

interface Waiter {
  readonly bytes: number
  readonly resolve: () => void
  readonly reject: (err: unknown) => void
}

/** A byte budget with FIFO waiters. */
export class MemoryBudget {
  readonly limit: number
  #held = 0
  #reserved = 0
  #peak = 0
  #waiters = new RingQueue<Waiter>(4)

  constructor (limit: number) {
    this.limit = limit
  }

  /** Bytes currently charged. */
  get held (): number { return this.#held }

  /** Highest `held` seen. */
  get peak (): number { return this.#peak }

  /** Bytes reserved for woken waiters that have not claimed them yet. */
  get reserved (): number { return this.#reserved }

  /** Number of pending `waitFor` calls. */
  get waiting (): number { return this.#waiters.length }

  /** Whether an item of `bytes` may be charged now. */
  fits (bytes: number): boolean {
    const used = this.#held + this.#reserved
    return used === 0 || used + bytes <= this.limit
  }

  /** Charges `bytes` unconditionally (the caller checked `fits`). */
  charge (bytes: number): void {
    this.#held += bytes
    if (this.#held > this.#peak) this.#peak = this.#held
  }

  /** Releases `bytes` and wakes the waiters that now fit, in order. */
  release (bytes: number): void {
    this.#held -= bytes
    // Float-free integers, but guard against a double release turning the budget negative.
    if (this.#held < 0) this.#held = 0
    this.#wake()
  }

  /**
   * Resolves once an item of `bytes` fits (immediately if it fits now and nobody waits before
   * it), with the room reserved: the caller must `claim(bytes)` right before it charges, or
   * `unreserve(bytes)` if it gives up, exactly once.
   */
  waitFor (bytes: number): Promise<void> {
    if (this.#waiters.length === 0 && this.fits(bytes)) {
      this.#reserved += bytes
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ bytes, resolve, reject })
    })
  }

  /** Takes the room `waitFor(bytes)` reserved; charge it in the same synchronous step. */
  claim (bytes: number): void {
    this.#reserved -= bytes
    if (this.#reserved < 0) this.#reserved = 0
  }

  /** Gives up the room `waitFor(bytes)` reserved without charging it: the next waiters get it. */
  unreserve (bytes: number): void {
    this.claim(bytes)
    this.#wake()
  }

  /** Rejects every pending waiter (used by destroy/close). */
  rejectWaiters (err: unknown): void {
    this.#waiters.drain((w) => w.reject(err))
  }

  #wake (): void {
    let left = this.limit - this.#held - this.#reserved
    let w = this.#waiters.peek()
    while (w !== undefined && (w.bytes <= left || this.#held + this.#reserved === 0)) {
      this.#waiters.shift()
      left -= w.bytes
      this.#reserved += w.bytes
      w.resolve()
      w = this.#waiters.peek()
    }
  }
}
