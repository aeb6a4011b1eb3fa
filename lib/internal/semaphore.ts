/**
 * A counting semaphore: at most `limit` holders at once; the others wait in arrival order
 * (a ring queue, no `Array.shift()`). `acquire()` resolves to a release function that is safe
 * to call more than once.
 */
import { RingQueue } from './ring-queue.js'

export class Semaphore {
  readonly limit: number
  readonly #waiters = new RingQueue<() => void>()
  #held = 0

  constructor (limit: number) {
    this.limit = limit
  }

  /** Holders now. */
  get held (): number { return this.#held }

  /** Callers waiting for a slot. */
  get waiting (): number { return this.#waiters.length }

  /** Waits for a slot; resolves to its release function. */
  acquire (): Promise<() => void> {
    if (this.#held < this.limit) {
      this.#held++
      return Promise.resolve(this.#releaser())
    }
    return new Promise((resolve) => { this.#waiters.push(() => resolve(this.#releaser())) })
  }

  #releaser (): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.#waiters.shift()
      // The slot passes straight to the next waiter: `held` does not change.
      if (next !== undefined) next()
      else this.#held--
    }
  }
}
