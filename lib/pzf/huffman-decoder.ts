/**
 * Huffman stream decoder for PZF (pymecompress `huffman_decompress`, shared/spec/PZF.md
 * §7.5), hardened for untrusted input: the tree is capped at 511 nodes and depth 255,
 * every bit read is bounds-checked, and running out of input before `out` is full is
 * an error. Trailing padding bits (and any bytes after the last symbol) are ignored.
 *
 * Decoding is table-driven: the next K = 12 bits index two tables that give up to four
 * whole symbols and the bits they use, or, for codes longer than K, the tree node reached
 * after K bits, from where the walk continues bit by bit.
 * ```
 *   single[i] (int32): | kind (8) | length (8) | 0 (8) | symbol (8) |   one symbol
 *                      | 1 (sign) |        0           | node (16)  |   long code: walk from node
 *   syms[i]   (int32): | sym4 | sym3 | sym2 | sym1 |   stored as one little-endian word
 *   meta[i]   (int32): | 0 | count (1-4) (8) | bits used (8) |, or -1 for a long code
 * ```
 * The fast loop stores all four symbol bytes with one 32-bit write and advances by
 * `count`, so the common case has no data-dependent branch.
 */
import { PzfFormatError } from '../errors.js'

const K = 12
const TABLE_SIZE = 1 << K
const MAX_NODES = 511
const MAX_DEPTH = 255
const ONE = 1 << 24
// Sign bit: the entry is a tree node to continue from (codes longer than K bits).
const LONG = 1 << 31

/** One per thread; `parse` then `decode` on the same stream. Not re-entrant. */
export class HuffmanDecoder {
  readonly #sym = new Int16Array(MAX_NODES)
  readonly #a = new Int16Array(MAX_NODES)
  readonly #b = new Int16Array(MAX_NODES)
  readonly #stack = new Int16Array(MAX_DEPTH + 1)
  readonly #single = new Int32Array(TABLE_SIZE)
  readonly #syms = new Int32Array(TABLE_SIZE)
  readonly #meta = new Int32Array(TABLE_SIZE)
  readonly #fill = new Int32Array(3 * MAX_NODES)
  #treeBits = 0

  /** The parsed tree, per node: symbol (or -1), child for bit 0, child for bit 1; node 0 is the root. */
  treeArrays (): { readonly sym: Int16Array, readonly a: Int16Array, readonly b: Int16Array } {
    return { sym: this.#sym, a: this.#a, b: this.#b }
  }

  /**
   * Reads the serialised tree at the start of `src`; returns its size in bits.
   * @throws PzfFormatError if the tree is truncated, too large or too deep.
   */
  parse (src: Uint8Array): number {
    const sym = this.#sym
    const a = this.#a
    const b = this.#b
    const stack = this.#stack
    const totalBits = src.length * 8
    let p = 0
    let nodes = 0
    let top = 0
    for (;;) {
      if (nodes === MAX_NODES) throw new PzfFormatError('corrupt Huffman tree: more than 511 nodes')
      if (p >= totalBits) throw new PzfFormatError('truncated Huffman stream: tree incomplete')
      const n = nodes++
      if (top > 0) {
        const parent = stack[top - 1] as number
        if (a[parent] === -1) a[parent] = n
        else b[parent] = n
      }
      const bit = ((src[p >>> 3] as number) >>> (7 - (p & 7))) & 1
      p++
      if (bit === 0) {
        if (top === MAX_DEPTH) throw new PzfFormatError('corrupt Huffman tree: deeper than 255')
        sym[n] = -1
        a[n] = -1
        b[n] = -1
        stack[top++] = n
        continue
      }
      if (p + 8 > totalBits) throw new PzfFormatError('truncated Huffman stream: tree incomplete')
      const q = p >>> 3
      const s = ((((src[q] as number) << 8) | (src[q + 1] ?? 0)) >>> (8 - (p & 7))) & 0xff
      p += 8
      sym[n] = s
      // A leaf completes every ancestor whose second child it was.
      while (top > 0 && b[stack[top - 1] as number] !== -1) top--
      if (top === 0) break
    }
    this.#treeBits = p
    return p
  }

  /**
   * Decodes `out.length` symbols from `src` (already `parse`d).
   * @throws PzfFormatError if the input ends before `out` is full.
   */
  decode (src: Uint8Array, out: Uint8Array): void {
    const outLen = out.length
    const sym = this.#sym
    if ((sym[0] as number) >= 0) {
      out.fill(sym[0] as number)
      return
    }
    this.#buildTables()
    const a = this.#a
    const b = this.#b
    const single = this.#single
    const syms = this.#syms
    const meta = this.#meta
    const totalBits = src.length * 8
    const view = new DataView(src.buffer, src.byteOffset, src.byteLength)
    const outView = new DataView(out.buffer, out.byteOffset, out.byteLength)
    // Four bytes can be read at p >>> 3 while p < safeBits.
    const safeBits = (src.length - 3) * 8
    let p = this.#treeBits
    let o = 0
    while (o < outLen - 3 && p < safeBits) {
      const idx = (view.getUint32(p >>> 3) << (p & 7)) >>> (32 - K)
      const m = meta[idx] as number
      if (m >= 0) {
        outView.setInt32(o, syms[idx] as number, true)
        o += m >>> 8
        p += m & 0xff
      } else {
        p += K
        let node = (single[idx] as number) & 0xffff
        while ((sym[node] as number) < 0) {
          if (p >= totalBits) throw truncated(o, outLen)
          node = (((src[p >>> 3] as number) >>> (7 - (p & 7))) & 1) === 1 ? b[node] as number : a[node] as number
          p++
        }
        out[o++] = sym[node] as number
      }
    }
    // Tail: the last bytes, read with zero padding and checked after each symbol.
    while (o < outLen) {
      if (p >= totalBits) throw truncated(o, outLen)
      const q = p >>> 3
      const window = (((src[q] as number) << 16) | ((src[q + 1] ?? 0) << 8) | (src[q + 2] ?? 0)) << 8
      const e = single[(window << (p & 7)) >>> (32 - K)] as number
      let node: number
      if (e < 0) {
        p += K
        node = e & 0xffff
        while ((sym[node] as number) < 0) {
          if (p >= totalBits) throw truncated(o, outLen)
          node = (((src[p >>> 3] as number) >>> (7 - (p & 7))) & 1) === 1 ? b[node] as number : a[node] as number
          p++
        }
      } else {
        p += (e >>> 16) & 0xff
        node = -1
      }
      if (p > totalBits) throw truncated(o, outLen)
      out[o++] = node < 0 ? e & 0xff : sym[node] as number
    }
  }

  /** Fills the one-symbol table from the tree, then derives the two-symbol table. */
  #buildTables (): void {
    const sym = this.#sym
    const a = this.#a
    const b = this.#b
    const single = this.#single
    const syms = this.#syms
    const meta = this.#meta
    const fill = this.#fill
    // Explicit stack of (node, depth, prefix); a full tree covers every K-bit index.
    let top = 0
    fill[top++] = 0
    fill[top++] = 0
    fill[top++] = 0
    while (top > 0) {
      const prefix = fill[--top] as number
      const depth = fill[--top] as number
      const node = fill[--top] as number
      const s = sym[node] as number
      if (s >= 0 || depth === K) {
        const shift = K - depth
        const start = prefix << shift
        const entry = s >= 0 ? ONE | (depth << 16) | s : LONG | node
        single.fill(entry, start, start + (1 << shift))
        continue
      }
      fill[top++] = b[node] as number
      fill[top++] = depth + 1
      fill[top++] = (prefix << 1) | 1
      fill[top++] = a[node] as number
      fill[top++] = depth + 1
      fill[top++] = prefix << 1
    }
    // Up to four whole symbols per K-bit index: follow the single table while codes fit.
    for (let i = 0; i < TABLE_SIZE; i++) {
      let e = single[i] as number
      if (e < 0) {
        meta[i] = -1
        continue
      }
      let used = 0
      let count = 0
      let packed = 0
      do {
        packed |= (e & 0xff) << (8 * count)
        used += (e >>> 16) & 0xff
        count++
        if (count === 4) break
        e = single[(i << used) & (TABLE_SIZE - 1)] as number
      } while (e >= 0 && used + ((e >>> 16) & 0xff) <= K)
      syms[i] = packed
      meta[i] = (count << 8) | used
    }
  }
}

function truncated (decoded: number, wanted: number): PzfFormatError {
  return new PzfFormatError(`truncated Huffman stream: input ended after ${decoded} of ${wanted} bytes`)
}
