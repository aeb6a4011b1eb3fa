/**
 * A FIFO ring buffer: O(1) push/shift with no `Array.shift()` and no per-item allocation.
 *
 * ```
 *  capacity 8 (mask 7), length 4
 *  slots: [ . | . | a | b | c | d | . | . ]
 *                   ^head           ^tail = (head + length) & mask
 * ```
 *
 * The capacity is a power of two and doubles when full (the only allocation, amortised);
 * memory stays bounded because every queue that uses it is itself bounded by the streamer's
 * byte budget. Removed slots are cleared so the garbage collector can free what they held.
 */

/** A growable power-of-two ring buffer used as a FIFO queue. */
export class RingQueue<T> {
  #slots: (T | undefined)[]
  #mask: number
  #head = 0
  #length = 0

  /** @param initialCapacity rounded up to a power of two (at least 4). */
  constructor (initialCapacity = 16) {
    let cap = 4
    while (cap < initialCapacity) cap *= 2
    this.#slots = new Array<T | undefined>(cap).fill(undefined)
    this.#mask = cap - 1
  }

  /** Number of queued items. */
  get length (): number { return this.#length }

  /** Current slot count (grows ×2 when full). */
  get capacity (): number { return this.#mask + 1 }

  /** Appends at the tail. */
  push (item: T): void {
    if (this.#length > this.#mask) this.#grow()
    this.#slots[(this.#head + this.#length) & this.#mask] = item
    this.#length++
  }

  /** Inserts at the head (used to put an item back in front, e.g. after a failed dispatch). */
  unshift (item: T): void {
    if (this.#length > this.#mask) this.#grow()
    this.#head = (this.#head - 1) & this.#mask
    this.#slots[this.#head] = item
    this.#length++
  }

  /** Removes and returns the head, or `undefined` when empty. */
  shift (): T | undefined {
    if (this.#length === 0) return undefined
    const item = this.#slots[this.#head]
    this.#slots[this.#head] = undefined
    this.#head = (this.#head + 1) & this.#mask
    this.#length--
    return item
  }

  /** The head without removing it. */
  peek (): T | undefined {
    return this.#length === 0 ? undefined : this.#slots[this.#head]
  }

  /** The item at position `i` from the head (0 = head), or `undefined` when out of range. */
  at (i: number): T | undefined {
    if (i < 0 || i >= this.#length) return undefined
    return this.#slots[(this.#head + i) & this.#mask]
  }

  /** Removes every item, calling `fn` on each in FIFO order. */
  drain (fn: (item: T) => void): void {
    while (this.#length > 0) fn(this.shift() as T)
  }

  #grow (): void {
    const old = this.#slots
    const oldCap = this.#mask + 1
    const slots = new Array<T | undefined>(oldCap * 2).fill(undefined)
    for (let i = 0; i < this.#length; i++) slots[i] = old[(this.#head + i) & this.#mask]
    this.#slots = slots
    this.#mask = oldCap * 2 - 1
    this.#head = 0
  }
}
