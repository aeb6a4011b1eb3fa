/**
 * `FrameIndexSet`: which frame indices of a series have been seen, in a bit per index.
 *
 * A growable bitmap (doubling) keeps a million frames in 128 KiB; indices far beyond the
 * dense range (a sparse series, or index 4e9) go to a `Set` so one stray index cannot make
 * the bitmap huge.
 *
 * ```
 * bits:   [ byte 0: frames 0-7 | byte 1: frames 8-15 | ... ]  (grows x2 up to DENSE_LIMIT)
 * sparse: Set { 4000000000, ... }                              (indices >= DENSE_LIMIT)
 * ```
 */

const DENSE_LIMIT = 2 ** 27 // 16 MiB of bits at most

export class FrameIndexSet {
  #bits = new Uint8Array(1024)
  readonly #sparse = new Set<number>()
  #count = 0
  #max = -1

  /** Number of indices in the set. */
  get count (): number { return this.#count }

  /** Highest index in the set, or -1 when empty. */
  get max (): number { return this.#max }

  has (n: number): boolean {
    if (n >= DENSE_LIMIT) return this.#sparse.has(n)
    const byte = n >>> 3
    return byte < this.#bits.length && (this.#bits[byte]! & (1 << (n & 7))) !== 0
  }

  /** Adds `n` (a non-negative integer); false if it was there already. */
  add (n: number): boolean {
    if (n >= DENSE_LIMIT) {
      if (this.#sparse.has(n)) return false
      this.#sparse.add(n)
    } else {
      const byte = n >>> 3
      if (byte >= this.#bits.length) {
        let size = this.#bits.length * 2
        while (size <= byte) size *= 2
        const bits = new Uint8Array(size)
        bits.set(this.#bits)
        this.#bits = bits
      }
      const mask = 1 << (n & 7)
      if ((this.#bits[byte]! & mask) !== 0) return false
      this.#bits[byte]! |= mask
    }
    this.#count++
    if (n > this.#max) this.#max = n
    return true
  }

  /** Number of indices below `max` that are not in the set. */
  get gaps (): number { return this.#max + 1 - this.#count }

  /** Up to `limit` indices in `0..max` not in the set, ascending. */
  missing (limit = Infinity): number[] {
    const out: number[] = []
    if (this.gaps === 0) return out
    for (let n = 0; n <= this.#max && out.length < limit; n++) {
      if (n < DENSE_LIMIT && (n & 7) === 0 && this.#bits[n >>> 3] === 0xff && n + 7 <= this.#max) {
        n += 7 // a full byte: skip its 8 indices at once
        continue
      }
      if (!this.has(n)) out.push(n)
    }
    return out
  }
}
