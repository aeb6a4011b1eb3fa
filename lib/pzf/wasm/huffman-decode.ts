/**
 * Table-driven Huffman decoding (pymecompress `huffman_decompress`, PZF.md §7.5) with a
 * 64-bit bit buffer, over input whose bytes `reverseBits` has turned LSB-first.
 *
 * The tree comes from the TypeScript parser (which validates it: at most 511 nodes,
 * depth 255): NODE_SYM, NODE_A (bit 0) and NODE_B (bit 1), int16 per node, node 0 the root.
 * DECODE_TABLE has 2^K entries indexed by the next K = 12 bits (bit 0 = next bit):
 * ```
 *   entry (u64): | count (3) | 0 | sym6 ... sym1 (6 x 8) | used (6) |   1..6 whole symbols
 *                |     0     | 0 |       node (16)       |    0     |   a longer code
 * ```
 * The fast loop refills the buffer once per four look-ups (4 x 12 <= 48 bits); each
 * look-up stores its symbols with one 8-byte store and advances the output by `count`
 * and the buffer by `used` (a shift by the entry itself: shifts take their count modulo
 * 64). A longer code's entry consumes nothing, so the steps after it repeat it harmlessly
 * and one test per group finds it. The loop runs while the refill reads real input and a
 * group cannot pass the output's end; the tail then decodes one symbol at a time with
 * every bit checked against the input's end, so truncation is reported after exactly
 * the symbols that are complete, as the TypeScript decoder reports it.
 *
 * Reader invariant (Giesen's "variant 4" refill, for 61 bits): the consumed bit position
 * is `8 * (p - src) - count`, and `buf` holds the next `count` bits shifted left by 3, so
 * that one AND gives the table offset of the next entry: the look-up latency chain
 * (mask, load, shift) is the loop's critical path.
 */
import { DECODE_SINGLE, DECODE_STACK, DECODE_TABLE, NODE_A, NODE_B, NODE_SYM } from './layout'

const K: u32 = 12
/** The next K bits, times 8 (the byte offset of their entry): `buf` holds the bits shifted left by 3. */
const INDEX: u64 = ((1 << K) - 1) << 3
/** Symbols one entry holds. */
const MAX_COUNT: u32 = 6

/** Builds DECODE_TABLE from the tree (DECODE_SINGLE and DECODE_STACK are scratch). */
export function buildDecodeTable (): void {
  // Pass 1: one symbol (or a long code's node after K bits) per index:
  // sym << 8 | 1 << 6 | length, or node << 8 | K. Stack of (node, depth, reversed prefix).
  store<u32>(DECODE_STACK, 0)
  store<u32>(DECODE_STACK + 4, 0)
  store<u32>(DECODE_STACK + 8, 0)
  let top: usize = 12
  while (top > 0) {
    top -= 12
    const node = <usize>load<u32>(DECODE_STACK + top)
    const depth = load<u32>(DECODE_STACK + top + 4)
    const prefix = load<u32>(DECODE_STACK + top + 8)
    const s = <i32>load<i16>(NODE_SYM + (node << 1))
    if (s >= 0 || depth === K) {
      const entry: u32 = s >= 0 ? (<u32>s << 8) | (1 << 6) | depth : (<u32>node << 8) | K
      const step = <u32>1 << depth
      for (let i = prefix; i < (<u32>1 << K); i += step) store<u32>(DECODE_SINGLE + (<usize>i << 2), entry)
      continue
    }
    store<u32>(DECODE_STACK + top, <u32>load<i16>(NODE_A + (node << 1)))
    store<u32>(DECODE_STACK + top + 4, depth + 1)
    store<u32>(DECODE_STACK + top + 8, prefix)
    store<u32>(DECODE_STACK + top + 12, <u32>load<i16>(NODE_B + (node << 1)))
    store<u32>(DECODE_STACK + top + 16, depth + 1)
    store<u32>(DECODE_STACK + top + 20, prefix | (<u32>1 << depth))
    top += 24
  }
  // Pass 2: follow the single table while whole codes fit in the K bits.
  for (let i: u32 = 0; i < (<u32>1 << K); i++) {
    const e = load<u32>(DECODE_SINGLE + (<usize>i << 2))
    if ((e & 0xc0) === 0) {
      store<u64>(DECODE_TABLE + (<usize>i << 3), <u64>(e >> 8) << 6)
      continue
    }
    let used = e & 63
    let syms = <u64>(e >> 8)
    let count: u32 = 1
    while (count < MAX_COUNT) {
      const next = load<u32>(DECODE_SINGLE + (<usize>(i >> used) << 2))
      const len = next & 63
      if ((next & 0xc0) === 0 || used + len > K) break
      syms |= <u64>(next >> 8) << <u64>(8 * count)
      used += len
      count++
    }
    store<u64>(DECODE_TABLE + (<usize>i << 3), (<u64>count << 61) | (syms << 6) | <u64>used)
  }
}

/** Reader state between the fast loop and its caller. */
let gBuf: u64 = 0
let gCount: u64 = 0
let gP: usize = 0
let gO: usize = 0

/**
 * The hot loop, free of calls: groups of four look-ups while `p <= inLimit` and
 * `o <= outLimit`. Returns true when it stopped at a longer code.
 */
function decodeFast (inLimit: usize, outLimit: usize): bool {
  let buf = gBuf
  let count = gCount
  let p = gP
  let o = gO
  let long = false
  while (p <= inLimit && o <= outLimit) {
    buf |= load<u64>(p) << (count + 3)
    p += <usize>((55 - count) >> 3)
    count = 48 | (count & 7)
    const e0 = load<u64>(<usize>(buf & INDEX), DECODE_TABLE)
    store<u64>(o, e0 >> 6)
    o += <usize>(e0 >> 61)
    buf >>= e0
    count -= e0 & 63
    const e1 = load<u64>(<usize>(buf & INDEX), DECODE_TABLE)
    store<u64>(o, e1 >> 6)
    o += <usize>(e1 >> 61)
    buf >>= e1
    count -= e1 & 63
    const e2 = load<u64>(<usize>(buf & INDEX), DECODE_TABLE)
    store<u64>(o, e2 >> 6)
    o += <usize>(e2 >> 61)
    buf >>= e2
    count -= e2 & 63
    const e3 = load<u64>(<usize>(buf & INDEX), DECODE_TABLE)
    store<u64>(o, e3 >> 6)
    o += <usize>(e3 >> 61)
    buf >>= e3
    count -= e3 & 63
    if ((e3 >> 61) === 0) {
      long = true
      break
    }
  }
  gBuf = buf
  gCount = count
  gP = p
  gO = o
  return long
}

/** Bit `q` of the (bit-reversed) input. */
// @ts-ignore: decorator
@inline function bitAt (src: usize, q: u64): u32 {
  return (<u32>load<u8>(src + <usize>(q >> 3)) >> <u32>(q & 7)) & 1
}

/**
 * Decodes `outLength` symbols into `out` from the stream of `srcLength` bytes at `src`,
 * starting at bit `startBit` (after the tree). Returns the number of symbols decoded:
 * `outLength`, or fewer when the input ended first. `src` and `out` need 64 bytes of slack.
 */
export function decodeStream (src: usize, srcLength: usize, startBit: u32, out: usize, outLength: usize): usize {
  const totalBits = <u64>srcLength << 3
  const outEnd = out + outLength
  // The fast loop's limits: an 8-byte refill of real input, a group of 4 x 6 symbols.
  const inLimit = srcLength >= 8 ? src + srcLength - 8 : 0
  const outLimit = outLength >= 24 ? outEnd - 24 : 0
  let q = <u64>startBit
  gO = out
  while (srcLength >= 8 && outLength >= 24) {
    // (Re)start the reader at bit q.
    const p = src + <usize>(q >> 3)
    if (p > inLimit) break
    const skip = q & 7
    gBuf = (load<u64>(p) >> skip) << 3
    gP = p + 6
    gCount = 48 - skip
    const long = decodeFast(inLimit, outLimit)
    q = (<u64>(gP - src) << 3) - gCount
    if (!long) break
    // A code longer than K bits: the entry names the node after its first K bits.
    let node = <usize>(load<u64>(<usize>(gBuf & INDEX), DECODE_TABLE) >> 6)
    q += K
    while (load<i16>(NODE_SYM + (node << 1)) < 0) {
      if (q >= totalBits) return gO - out
      node = <usize>load<i16>((bitAt(src, q) !== 0 ? NODE_B : NODE_A) + (node << 1))
      q++
    }
    store<u8>(gO++, <u8>load<i16>(NODE_SYM + (node << 1)))
  }
  // Tail: symbol by symbol from the root, every bit checked.
  let o = gO
  while (o < outEnd) {
    let node: usize = 0
    while (load<i16>(NODE_SYM + (node << 1)) < 0) {
      if (q >= totalBits) return o - out
      node = <usize>load<i16>((bitAt(src, q) !== 0 ? NODE_B : NODE_A) + (node << 1))
      q++
    }
    store<u8>(o++, <u8>load<i16>(NODE_SYM + (node << 1)))
  }
  return outLength
}
