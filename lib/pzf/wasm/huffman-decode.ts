/**
 * Table-driven Huffman decoding (pymecompress `huffman_decompress`, PZF.md §7.5) with a
 * 64-bit bit buffer, over input whose bytes `reverseBits` has turned LSB-first.
 *
 * The tree comes from the TypeScript parser (which validates it: at most 511 nodes,
 * depth 255): NODE_SYM, NODE_A (bit 0) and NODE_B (bit 1), int16 per node, node 0 the root.
 * The table has 2^K entries indexed by the next K = 12 bits (bit 0 = next bit):
 * ```
 *   entry (u32): | sym3 | sym2 | sym1 | count (2) | used (6) |   up to 3 whole symbols
 *                |   0  |   node (16) | 0         | K         |   longer code: walk from node
 * ```
 * The fast loop refills the buffer once per four look-ups (4 x 12 <= 56 bits), stores
 * the entry's three symbol bytes with one 4-byte store and advances by `count`; it runs
 * only while the refill reads real input and four steps cannot pass the output's end.
 * The tail decodes one symbol at a time with every bit checked against the input's end,
 * so truncation is reported after exactly the symbols that are complete, as the
 * TypeScript decoder reports it.
 */

import { DECODE_SINGLE, DECODE_STACK, DECODE_TABLE, NODE_A, NODE_B, NODE_SYM } from './layout'

const K: u32 = 12
const MASK: u64 = (1 << K) - 1

const sym = NODE_SYM
const a = NODE_A
const b = NODE_B
const table = DECODE_TABLE
const single = DECODE_SINGLE
const stack = DECODE_STACK

/** Builds DECODE_TABLE from the tree (DECODE_SINGLE and DECODE_STACK are scratch). */
export function buildDecodeTable (): void {
  // Pass 1: one symbol (or a long-code node) per index. Stack of (node, depth, reversed prefix).
  let top: usize = 0
  store<u32>(stack, 0)
  store<u32>(stack + 4, 0)
  store<u32>(stack + 8, 0)
  top = 12
  while (top > 0) {
    top -= 12
    const node = <usize>load<u32>(stack + top)
    const depth = load<u32>(stack + top + 4)
    const prefix = load<u32>(stack + top + 8)
    const s = <i32>load<i16>(sym + (node << 1))
    if (s >= 0 || depth === K) {
      const entry: u32 = s >= 0 ? (<u32>s << 8) | (1 << 6) | depth : (<u32>node << 8) | K
      const step = <u32>1 << depth
      for (let i = prefix; i < (<u32>1 << K); i += step) store<u32>(single + (<usize>i << 2), entry)
      continue
    }
    store<u32>(stack + top, <u32>load<i16>(a + (node << 1)))
    store<u32>(stack + top + 4, depth + 1)
    store<u32>(stack + top + 8, prefix)
    store<u32>(stack + top + 12, <u32>load<i16>(b + (node << 1)))
    store<u32>(stack + top + 16, depth + 1)
    store<u32>(stack + top + 20, prefix | (<u32>1 << depth))
    top += 24
  }
  // Pass 2: follow the single table while whole codes fit in the K bits.
  for (let i: u32 = 0; i < (<u32>1 << K); i++) {
    let e = load<u32>(single + (<usize>i << 2))
    if ((e & 0xc0) === 0) {
      store<u32>(table + (<usize>i << 2), e)
      continue
    }
    let used = e & 63
    let syms = e >> 8
    let count: u32 = 1
    while (count < 3) {
      const next = load<u32>(single + (<usize>(i >> used) << 2))
      const len = next & 63
      if ((next & 0xc0) === 0 || used + len > K) break
      syms |= (next >> 8) << (8 * count)
      used += len
      count++
    }
    store<u32>(table + (<usize>i << 2), (syms << 8) | (count << 6) | used)
  }
}

/** Bit `q` of the (bit-reversed) input. */
// @ts-ignore: decorator
@inline function bitAt (src: usize, q: u64): u32 {
  return (<u32>load<u8>(src + <usize>(q >> 3)) >> <u32>(q & 7)) & 1
}

/**
 * Decodes `outLength` symbols into `out` from the stream of `srcLength` bytes at `src`,
 * starting at bit `startBit` (after the tree). Returns the number of symbols decoded:
 * `outLength`, or fewer when the input ended first. `src` and `out` need 16 bytes of slack.
 */
export function decodeStream (src: usize, srcLength: usize, startBit: u32, out: usize, outLength: usize): usize {
  const totalBits = <u64>srcLength << 3
  const inEnd = src + srcLength
  const outEnd = out + outLength
  let o = out
  // Bit reader: bytes before p are in buf or consumed; buf holds `count` valid bits.
  let q: u64 = startBit
  let p = src + <usize>(q >> 3)
  let buf: u64 = 0
  let count: u32 = 0
  let skip = <u32>(q & 7)
  let fast = p + 8 <= inEnd
  if (fast) {
    buf = load<u64>(p) >> <u64>skip
    p += 7
    count = 56 - skip
  }
  while (fast && o + 12 <= outEnd) {
    if (p + 8 > inEnd) break
    buf |= load<u64>(p) << <u64>count
    p += (63 - count) >> 3
    count |= 56
    let long = false
    for (let step = 0; step < 4; step++) {
      const e = load<u32>(table + (<usize>(buf & MASK) << 2))
      if ((e & 0xc0) === 0) {
        long = true
        break
      }
      store<u32>(o, e >> 8)
      o += (e >> 6) & 3
      buf >>= <u64>(e & 63)
      count -= e & 63
    }
    if (!long) continue
    // A code longer than K bits: skip the K bits the entry stands for, walk the rest.
    const e = load<u32>(table + (<usize>(buf & MASK) << 2))
    q = (<u64>(p - src) << 3) - <u64>count + K
    let node = <usize>(e >> 8)
    while (load<i16>(sym + (node << 1)) < 0) {
      if (q >= totalBits) return o - out
      node = <usize>load<i16>((bitAt(src, q) !== 0 ? b : a) + (node << 1))
      q++
    }
    store<u8>(o++, <u8>load<i16>(sym + (node << 1)))
    // Restart the reader at bit q.
    p = src + <usize>(q >> 3)
    if (p + 8 > inEnd) {
      fast = false
      break
    }
    skip = <u32>(q & 7)
    buf = load<u64>(p) >> <u64>skip
    p += 7
    count = 56 - skip
  }
  if (fast) q = (<u64>(p - src) << 3) - <u64>count
  // Tail: symbol by symbol from the root, every bit checked.
  while (o < outEnd) {
    let node: usize = 0
    while (load<i16>(sym + (node << 1)) < 0) {
      if (q >= totalBits) return o - out
      node = <usize>load<i16>((bitAt(src, q) !== 0 ? b : a) + (node << 1))
      q++
    }
    store<u8>(o++, <u8>load<i16>(sym + (node << 1)))
  }
  return outLength
}
