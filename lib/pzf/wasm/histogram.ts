/**
 * Symbol statistics of one frame: the exact byte counts the Huffman code is built from
 * (PZF.md §7.2), as f64 in COUNTS for the shared TypeScript code builder.
 *
 * Frames of 2^15 symbols or more go through a uint16 word histogram (one increment per
 * pixel), in four interleaved 65,536-entry tables so that runs of equal neighbours do not
 * stall on the same counter; the tables are summed with SIMD. The word histogram is then
 * folded to byte counts (row sums = high bytes, column sums = low bytes), or through the
 * quantisation table to level counts.
 * ```
 *   HIST (1 MiB): | table 0 | table 1 | table 2 | table 3 |   -> summed into table 0
 *   word v = lo | hi << 8:  counts[lo] += hist[v], counts[hi] += hist[v]
 * ```
 */
import { COUNTS, HIST, LUT, SCRATCH } from './layout'

const TABLE: usize = 1 << 18 // bytes of one 65,536 x u32 table
const H1: usize = HIST + TABLE
const H2: usize = HIST + 2 * TABLE
const H3: usize = HIST + 3 * TABLE

// @ts-ignore: decorator
@inline function bump (a: usize): void {
  store<u32>(a, load<u32>(a) + 1)
}

/** Counts the `n` little-endian uint16 words at `src` into HIST (result in its first table). */
export function histogramWords (src: usize, n: usize): void {
  memory.fill(HIST, 0, 4 * TABLE)
  const end4 = src + ((n & ~3) << 1)
  const end = src + (n << 1)
  let p = src
  for (; p < end4; p += 8) {
    const w = load<u64>(p)
    bump(HIST + ((<usize>w & 0xffff) << 2))
    bump(H1 + ((<usize>(w >> 16) & 0xffff) << 2))
    bump(H2 + ((<usize>(w >> 32) & 0xffff) << 2))
    bump(H3 + (<usize>(w >> 48) << 2))
  }
  for (; p < end; p += 2) bump(HIST + (<usize>load<u16>(p) << 2))
  for (let v: usize = 0; v < TABLE; v += 16) {
    const s01 = i32x4.add(v128.load(HIST + v), v128.load(H1 + v))
    const s23 = i32x4.add(v128.load(H2 + v), v128.load(H3 + v))
    v128.store(HIST + v, i32x4.add(s01, s23))
  }
}

/** Folds the word histogram to byte counts in COUNTS (column sums kept in SCRATCH). */
export function foldWordsToBytes (): void {
  memory.fill(SCRATCH, 0, 1024)
  for (let hi: usize = 0; hi < 256; hi++) {
    const row = HIST + (hi << 10)
    let sum = i32x4.splat(0)
    for (let j: usize = 0; j < 1024; j += 16) {
      const r = v128.load(row + j)
      sum = i32x4.add(sum, r)
      v128.store(SCRATCH + j, i32x4.add(v128.load(SCRATCH + j), r))
    }
    const rowSum = <u32>i32x4.extract_lane(sum, 0) + <u32>i32x4.extract_lane(sum, 1) +
      <u32>i32x4.extract_lane(sum, 2) + <u32>i32x4.extract_lane(sum, 3)
    store<f64>(COUNTS + (hi << 3), <f64>rowSum)
  }
  for (let b: usize = 0; b < 256; b++) {
    store<f64>(COUNTS + (b << 3), load<f64>(COUNTS + (b << 3)) + <f64>load<u32>(SCRATCH + (b << 2)))
  }
}

/** Folds the word histogram through LUT (65,536 levels) to level counts in COUNTS. */
export function foldWordsToLevels (): void {
  memory.fill(SCRATCH, 0, 1024)
  for (let v: usize = 0; v < 65536; v++) {
    const a = SCRATCH + (<usize>load<u8>(LUT + v) << 2)
    store<u32>(a, load<u32>(a) + load<u32>(HIST + (v << 2)))
  }
  for (let b: usize = 0; b < 256; b++) store<f64>(COUNTS + (b << 3), <f64>load<u32>(SCRATCH + (b << 2)))
}

/** Byte counts of `[src, src + n)` (small inputs) into COUNTS. */
export function histogramBytes (src: usize, n: usize): void {
  memory.fill(SCRATCH, 0, 4096)
  const end4 = src + (n & ~3)
  const end = src + n
  let p = src
  for (; p < end4; p += 4) {
    const w = load<u32>(p)
    bump(SCRATCH + ((<usize>w & 0xff) << 2))
    bump(SCRATCH + 1024 + (((<usize>w >> 8) & 0xff) << 2))
    bump(SCRATCH + 2048 + (((<usize>w >> 16) & 0xff) << 2))
    bump(SCRATCH + 3072 + ((<usize>w >> 24) << 2))
  }
  for (; p < end; p++) bump(SCRATCH + (<usize>load<u8>(p) << 2))
  for (let b: usize = 0; b < 1024; b += 4) {
    const c = load<u32>(SCRATCH + b) + load<u32>(SCRATCH + 1024 + b) + load<u32>(SCRATCH + 2048 + b) + load<u32>(SCRATCH + 3072 + b)
    store<f64>(COUNTS + (b << 1), <f64>c)
  }
}

/** Level counts of the `n` uint16 pixels at `src` quantised through LUT (small inputs) into COUNTS. */
export function histogramLevels (src: usize, n: usize): void {
  memory.fill(SCRATCH, 0, 1024)
  const end = src + (n << 1)
  for (let p = src; p < end; p += 2) bump(SCRATCH + (<usize>load<u8>(LUT + <usize>load<u16>(p)) << 2))
  for (let b: usize = 0; b < 256; b++) store<f64>(COUNTS + (b << 3), <f64>load<u32>(SCRATCH + (b << 2)))
}
