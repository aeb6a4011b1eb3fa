/**
 * Huffman stream packing (PZF.md §7.3-§7.4) with a 64-bit bit buffer, LSB-first over
 * bit-reversed codes; `reverseBits` then turns the bytes into PZF's MSB-first order.
 *
 * ```
 *   acc (u64): | ... free ... | k pending bits (k <= 7 between steps) |   bit 0 = next bit out
 *   step: acc |= code << k; k += len          (one or two codes, at most 63 bits)
 *   flush: store acc (8 bytes, unaligned) at dst; dst += k >> 3; acc >>= k & 56; k &= 7
 * ```
 * The tables are written per frame from the code the TypeScript builder made (the same
 * code on both paths, so the same bytes):
 * - LENS (256 x u8) and CODES (256 x 32 bytes: each reversed code as a 256-bit
 *   little-endian number), so that codes of any length up to 255 bits are written right;
 * - WORD_TABLE, indexed by a little-endian uint16 word: per word a u32 code (the codes of
 *   both its bytes, low byte first; or, quantising, the code of its level) and a u32
 *   length, SLOW when the code is longer than 32 bits.
 * The hot loop takes four words per step: when their lengths and the pending bits fit
 * 63 bits (nearly always on camera data), four look-ups and one store; else the careful
 * writer, word by word. One data-dependent branch per four words, well predicted.
 */
import { reverseByte } from './bit-reverse'
import { CODES, LENS, LUT, PREP, TREE, WORD_TABLE } from './layout'

/** Longest code a WORD_TABLE entry holds. */
const MAX_ENTRY_BITS: u32 = 32
/** Length of a WORD_TABLE entry whose code is longer: more than a group of four may hold. */
const SLOW: u32 = 64

/** Writer state between the hot loop and the careful writer. */
let gAcc: u64 = 0
let gK: u32 = 0
let gDst: usize = 0

/** Appends `len <= 56` bits (LSB-first; nothing set above `len`). */
// @ts-ignore: decorator
@inline function put (code: u64, len: u32): void {
  const k = gK + len
  const acc = gAcc | (code << <u64>gK)
  store<u64>(gDst, acc)
  gDst += k >> 3
  gAcc = acc >> <u64>(k & 56)
  gK = k & 7
}

/** Appends the code of symbol `s`, whatever its length. */
function putSymbol (s: usize): void {
  const len = <u32>load<u8>(LENS + s)
  const code = CODES + (s << 5)
  if (len <= 56) {
    put(load<u64>(code), len)
    return
  }
  // Long codes: 32-bit pieces of the 256-bit code.
  for (let j: u32 = 0; j < len; j += 32) {
    const piece = (load<u64>(code + ((j >> 6) << 3)) >> <u64>(j & 63)) & 0xffffffff
    put(piece, len - j < 32 ? len - j : 32)
  }
}

/**
 * WORD_TABLE of both bytes' codes (lossless), four entries per SIMD step. The shift by the
 * low byte's length is a multiplication by `1 << length` (SIMD has no per-lane shift).
 */
export function buildPairTable (): void {
  const rev = PREP
  const pow = PREP + 1024
  const len = PREP + 2048
  for (let s: usize = 0; s < 256; s++) {
    const l = <u32>load<u8>(LENS + s)
    store<u32>(rev + (s << 2), <u32>load<u64>(CODES + (s << 5)))
    store<u32>(pow + (s << 2), l < 32 ? <u32>1 << l : 0)
    store<u32>(len + (s << 2), l)
  }
  const limit = i32x4.splat(MAX_ENTRY_BITS)
  const slow = i32x4.splat(SLOW)
  for (let hi: usize = 0; hi < 256; hi++) {
    const rh = i32x4.splat(load<u32>(rev + (hi << 2)))
    const lh = i32x4.splat(load<u32>(len + (hi << 2)))
    const row = WORD_TABLE + (hi << 11)
    for (let j: usize = 0; j < 1024; j += 16) {
      const ll = v128.load(len + j)
      const total = i32x4.add(ll, lh)
      const fits = v128.and(i32x4.le_u(total, limit), v128.and(i32x4.le_u(ll, limit), i32x4.le_u(lh, limit)))
      const lengths = v128.bitselect(total, slow, fits)
      const codes = v128.or(v128.load(rev + j), i32x4.mul(rh, v128.load(pow + j)))
      v128.store(row + (j << 1), v128.shuffle<i32>(codes, lengths, 0, 4, 1, 5))
      v128.store(row + (j << 1) + 16, v128.shuffle<i32>(codes, lengths, 2, 6, 3, 7))
    }
  }
}

/** WORD_TABLE of the quantised levels: entry `v` is the code of level `LUT[v]`. */
export function buildQuantTable (): void {
  for (let s: usize = 0; s < 256; s++) {
    const l = <u32>load<u8>(LENS + s)
    store<u64>(PREP + (s << 3), <u64>load<u32>(CODES + (s << 5)) | (<u64>(l <= MAX_ENTRY_BITS ? l : SLOW) << 32))
  }
  for (let v: usize = 0; v < 65536; v++) {
    store<u64>(v << 3, load<u64>(PREP + (<usize>load<u8>(LUT + v) << 3)), WORD_TABLE)
  }
}

/** Modes of {@link encodeStream}. */
const BYTES: i32 = 0 // one symbol per byte, byte by byte
const WORDS: i32 = 1 // one symbol per byte, a uint16 word per table step
const LEVELS: i32 = 2 // one level per uint16 pixel through LUT, pixel by pixel
const LEVEL_WORDS: i32 = 3 // one level per uint16 pixel, a pixel per table step

/**
 * Writes one stream at `dst`: the tree (TREE, `treeLength` entries) and the codes of
 * `n` symbols (`n` bytes, or `n` pixels for the level modes), LSB-first; returns the
 * number of bytes written. `dst` needs 8 bytes of slack.
 */
export function encodeStream (mode: i32, src: usize, n: usize, treeLength: i32, dst: usize): usize {
  gAcc = 0
  gK = 0
  gDst = dst
  for (let i = 0; i < treeLength; i++) {
    const s = load<i16>(TREE + (<usize>i << 1))
    // Internal node: bit 0; leaf: bit 1 then the symbol MSB-first (reversed: LSB-first).
    if (s < 0) put(0, 1)
    else put(<u64>(1 | (reverseByte(<u32>s) << 1)), 9)
  }
  if (mode === BYTES) {
    for (let i: usize = 0; i < n; i++) putSymbol(<usize>load<u8>(src + i))
  } else if (mode === LEVELS) {
    for (let i: usize = 0; i < n; i++) putSymbol(<usize>load<u8>(LUT + <usize>load<u16>(src + (i << 1))))
  } else {
    const words = mode === WORDS ? n >> 1 : n
    packWords(src, words, mode === LEVEL_WORDS)
    if (mode === WORDS && (n & 1) !== 0) putSymbol(<usize>load<u8>(src + n - 1))
  }
  // The pending bits were stored by the last step; count their byte.
  if (gK > 0) {
    store<u64>(gDst, gAcc)
    gDst++
  }
  return gDst - dst
}

/** Packs `n` words: the hot loop, and the careful writer for the groups it leaves. */
function packWords (src: usize, n: usize, levels: bool): void {
  const end4 = src + ((n & ~3) << 1)
  // Two call sites keep the optimiser from inlining the hot loop into this function,
  // whose calls would cost it its registers.
  let p = packFast(src, end4)
  while (p < end4) {
    for (let j: usize = 0; j < 8; j += 2) putWord(<usize>load<u16>(p + j), levels)
    p = packFast(p + 8, end4)
  }
  const end = src + (n << 1)
  for (; p < end; p += 2) putWord(<usize>load<u16>(p), levels)
}

/**
 * The hot loop, free of calls so that its state stays in registers: four words per
 * 8-byte load, a code and a length per word from WORD_TABLE (its fixed address is an
 * immediate offset), one store per four words. Returns where it stopped: `end`, or the
 * first group whose codes do not fit the buffer.
 */
function packFast (from: usize, end: usize): usize {
  let acc = gAcc
  let k = <u64>gK
  let dst = gDst
  let p = from
  while (p < end) {
    const w = load<u64>(p)
    const i0 = (<usize>w << 3) & 0x7fff8
    const i1 = (<usize>w >> 13) & 0x7fff8
    const i2 = <usize>(w >> 29) & 0x7fff8
    const i3 = <usize>(w >> 45) & 0x7fff8
    const k1 = k + <u64>load<u32>(i0, WORD_TABLE + 4)
    const k2 = k1 + <u64>load<u32>(i1, WORD_TABLE + 4)
    const k3 = k2 + <u64>load<u32>(i2, WORD_TABLE + 4)
    const k4 = k3 + <u64>load<u32>(i3, WORD_TABLE + 4)
    if (k4 > 63) break
    acc |= <u64>load<u32>(i0, WORD_TABLE) << k
    acc |= <u64>load<u32>(i1, WORD_TABLE) << k1
    acc |= <u64>load<u32>(i2, WORD_TABLE) << k2
    acc |= <u64>load<u32>(i3, WORD_TABLE) << k3
    store<u64>(dst, acc)
    dst += <usize>(k4 >> 3)
    acc >>= k4 & 56
    k = k4 & 7
    p += 8
    if (p >= end) break
    // The same for the next four words: two groups per iteration halve the loop's overhead.
    const x = load<u64>(p)
    const j0 = (<usize>x << 3) & 0x7fff8
    const j1 = (<usize>x >> 13) & 0x7fff8
    const j2 = <usize>(x >> 29) & 0x7fff8
    const j3 = <usize>(x >> 45) & 0x7fff8
    const m1 = k + <u64>load<u32>(j0, WORD_TABLE + 4)
    const m2 = m1 + <u64>load<u32>(j1, WORD_TABLE + 4)
    const m3 = m2 + <u64>load<u32>(j2, WORD_TABLE + 4)
    const m4 = m3 + <u64>load<u32>(j3, WORD_TABLE + 4)
    if (m4 > 63) break
    acc |= <u64>load<u32>(j0, WORD_TABLE) << k
    acc |= <u64>load<u32>(j1, WORD_TABLE) << m1
    acc |= <u64>load<u32>(j2, WORD_TABLE) << m2
    acc |= <u64>load<u32>(j3, WORD_TABLE) << m3
    store<u64>(dst, acc)
    dst += <usize>(m4 >> 3)
    acc >>= m4 & 56
    k = m4 & 7
    p += 8
  }
  gAcc = acc
  gK = <u32>k
  gDst = dst
  return p
}

/** One word through the careful writer: its table entry, or symbol by symbol when SLOW. */
function putWord (v: usize, levels: bool): void {
  const e = load<u64>(v << 3, WORD_TABLE)
  const len = <u32>(e >> 32)
  if (len !== SLOW) {
    put(e & 0xffffffff, len)
  } else if (levels) {
    putSymbol(<usize>load<u8>(LUT + v))
  } else {
    putSymbol(v & 0xff)
    putSymbol(v >> 8)
  }
}
