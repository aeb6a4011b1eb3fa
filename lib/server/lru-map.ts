/**
 * A Map with a size bound that forgets its least recently used entries. Recency is the
 * Map's insertion order: a hit re-inserts the key at the end, eviction takes from the front.
 */
export class LruMap<K, V> {
  readonly #map = new Map<K, V>()
  readonly #max: number
  readonly #onEvict: ((key: K, value: V) => void) | undefined

  constructor (max: number, onEvict?: (key: K, value: V) => void) {
    this.#max = max
    this.#onEvict = onEvict
  }

  get size (): number { return this.#map.size }

  /** The value, marked as most recently used. */
  get (key: K): V | undefined {
    const v = this.#map.get(key)
    if (v === undefined) return undefined
    this.#map.delete(key)
    this.#map.set(key, v)
    return v
  }

  /** The value without touching recency. */
  peek (key: K): V | undefined {
    return this.#map.get(key)
  }

  has (key: K): boolean {
    return this.#map.has(key)
  }

  set (key: K, value: V): void {
    this.#map.delete(key)
    this.#map.set(key, value)
    while (this.#map.size > this.#max) this.evictOldest()
  }

  delete (key: K): boolean {
    return this.#map.delete(key)
  }

  /** Drops the least recently used entry; false when empty. */
  evictOldest (): boolean {
    const first = this.#map.entries().next()
    if (first.done === true) return false
    const [k, v] = first.value
    this.#map.delete(k)
    this.#onEvict?.(k, v)
    return true
  }

  clear (): void {
    this.#map.clear()
  }
}
