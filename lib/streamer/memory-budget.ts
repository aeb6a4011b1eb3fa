/**
 * The streamer's byte budget: every byte the streamer holds (queued, encoding, in flight,
 * waiting for an acknowledgement) is charged here and released on acknowledgement or failure.
 *
 * An item fits when `held + size <= limit`, or when nothing at all is held (so one item larger
 * than the whole budget can still pass, alone). Waiters (`waitFor`) are woken in FIFO order as
 * bytes are released.
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
  #peak = 0
  #waiters = new RingQueue<Waiter>(4)

  constructor (limit: number) {
    this.limit = limit
  }

  /** Bytes currently charged. */
  get held (): number { return this.#held }

  /** Highest `held` seen. */
  get peak (): number { return this.#peak }

  /** Number of pending `waitFor` calls. */
  get waiting (): number { return this.#waiters.length }

  /** Whether an item of `bytes` may be charged now. */
  fits (bytes: number): boolean {
    return this.#held === 0 || this.#held + bytes <= this.limit
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

  /** Resolves once an item of `bytes` fits (immediately if it fits now and nobody waits before it). */
  waitFor (bytes: number): Promise<void> {
    if (this.#waiters.length === 0 && this.fits(bytes)) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ bytes, resolve, reject })
    })
  }

  /** Rejects every pending waiter (used by destroy/close). */
  rejectWaiters (err: unknown): void {
    this.#waiters.drain((w) => w.reject(err))
  }

  #wake (): void {
    // A waiter only checks that it fits; it does not reserve. Waking in order while the sum of
    // the woken sizes fits keeps the FIFO fair without a reservation protocol.
    let left = this.limit - this.#held
    let first = true
    let w = this.#waiters.peek()
    while (w !== undefined && (w.bytes <= left || (first && this.#held === 0))) {
      this.#waiters.shift()
      left -= w.bytes
      first = false
      w.resolve()
      w = this.#waiters.peek()
    }
  }
}
