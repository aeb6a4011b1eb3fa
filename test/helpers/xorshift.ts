// A seeded xorshift32 generator for deterministic fuzz tests.

/** Numbers in [0, 1) from xorshift32 with `seed` (non-zero). */
export function xorshift (seed: number): () => number {
  let x = seed
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 4294967296
  }
}
