/**
 * FIFO ring buffer: O(1) push and shift without `Array.shift()`, growing by doubling
 * (capacity stays a power of two). Holds the pool's pending tasks.
 * ```
 *   items: | . | . | head ... | ... tail | . |      (indices masked by capacity - 1)
 * ```
 */
export class RingQueue<T> {
  #items: Array<T | undefined>
  #head = 0
  #length = 0

  constructor (capacity = 16) {
    let c = 1
    while (c < capacity) c *= 2
    this.#items = new Array<T | undefined>(c)
  }

  get length (): number {
    return this.#length
  }

  push (item: T): void {
    if (this.#length === this.#items.length) this.#grow()
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item
    this.#length++
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift (): T | undefined {
    if (this.#length === 0) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head] = undefined
    this.#head = (this.#head + 1) & (this.#items.length - 1)
    this.#length--
    return item
  }

  #grow (): void {
    const old = this.#items
    const items = new Array<T | undefined>(old.length * 2)
    for (let i = 0; i < this.#length; i++) items[i] = old[(this.#head + i) & (old.length - 1)]
    this.#items = items
    this.#head = 0
  }
}
