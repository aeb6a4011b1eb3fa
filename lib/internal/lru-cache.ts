/**
 * A bounded least-recently-used map. Bounded by entry count and, optionally, by a total
 * weight (bytes of cached file contents, names in cached listings). Map insertion order is
 * the recency order: `get` re-inserts, eviction takes from the front.
 *
 *   oldest ─▶ [k1] [k2] [k3] ... [kN] ◀─ newest (get/set move a key here)
 */

export interface LruCacheOptions<K, V> {
  /** Most entries kept. */
  readonly maxEntries: number
  /** Most total weight kept. @default Infinity */
  readonly maxWeight?: number
  /** Weight of one value. @default () => 1 */
  readonly weigh?: (value: V) => number
  /** Called for each entry pushed out by the bounds (not for `delete` or replacement by `set`). */
  readonly onEvict?: (key: K, value: V) => void
}

export class LruCache<K, V> {
  readonly #map = new Map<K, { value: V, weight: number }>()
  readonly #maxEntries: number
  readonly #maxWeight: number
  readonly #weigh: (value: V) => number
  readonly #onEvict: ((key: K, value: V) => void) | undefined
  #weight = 0

  constructor (options: LruCacheOptions<K, V>) {
    this.#maxEntries = options.maxEntries
    this.#maxWeight = options.maxWeight ?? Number.POSITIVE_INFINITY
    this.#weigh = options.weigh ?? (() => 1)
    this.#onEvict = options.onEvict
  }

  get size (): number { return this.#map.size }
  get weight (): number { return this.#weight }

  /** The value, marking it most recently used. */
  get (key: K): V | undefined {
    const slot = this.#map.get(key)
    if (slot === undefined) return undefined
    this.#map.delete(key)
    this.#map.set(key, slot)
    return slot.value
  }

  /** The value, without touching recency. */
  peek (key: K): V | undefined {
    return this.#map.get(key)?.value
  }

  has (key: K): boolean {
    return this.#map.has(key)
  }

  /** Stores a value; a value heavier than `maxWeight` is not stored (and evicts the old one). */
  set (key: K, value: V): this {
    this.delete(key)
    const weight = this.#weigh(value)
    if (weight > this.#maxWeight || this.#maxEntries < 1) return this
    this.#map.set(key, { value, weight })
    this.#weight += weight
    while (this.#map.size > this.#maxEntries || this.#weight > this.#maxWeight) this.evictOldest()
    return this
  }

  /** Drops the least recently used entry (calling `onEvict`); false when empty. */
  evictOldest (): boolean {
    const first = this.#map.entries().next()
    if (first.done === true) return false
    const [k, slot] = first.value
    this.#map.delete(k)
    this.#weight -= slot.weight
    this.#onEvict?.(k, slot.value)
    return true
  }

  /** Recomputes the weight of a value changed in place. */
  reweigh (key: K): void {
    const slot = this.#map.get(key)
    if (slot === undefined) return
    this.set(key, slot.value)
  }

  delete (key: K): boolean {
    const slot = this.#map.get(key)
    if (slot === undefined) return false
    this.#map.delete(key)
    this.#weight -= slot.weight
    return true
  }

  clear (): void {
    this.#map.clear()
    this.#weight = 0
  }

  keys (): IterableIterator<K> {
    return this.#map.keys()
  }
}
