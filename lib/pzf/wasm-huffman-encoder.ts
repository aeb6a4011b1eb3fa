/**
 * The Huffman stream encoder on the WebAssembly kernels: the same two-phase contract and
 * the same bytes as {@link HuffmanEncoder} (the TypeScript reference), at several times
 * its speed. Spec: shared/spec/PZF.md §7.
 *
 * ```
 *   plan:  input -> kernel memory (one copy) -> histogram (+ fold) -> counts
 *          -> HuffmanCodeBuilder (TypeScript, shared with the reference: same code, same tree)
 *   write: code -> kernel tables -> pack LSB-first -> reverse bits per byte -> target (one copy)
 * ```
 * Inputs of 2^15 symbols or more use the word kernels (one table step per uint16 word),
 * smaller ones the byte kernels (the 1 MiB histogram and the 256 KiB table cost more
 * than they save there).
 */
import { HuffmanCodeBuilder, huffmanStreamBytes, type HuffmanCode } from './huffman-code.js'
import type { PzfHuffmanEncoder } from './huffman-encoder.js'
import { PzfWasmKernels } from './pzf-wasm-kernels.js'

/** Below this many symbols the word tables cost more than they save. */
const WORD_KERNEL_MIN_SYMBOLS = 1 << 15

// Modes of the kernel's encodeStream.
const MODE_BYTES = 0
const MODE_WORDS = 1
const MODE_LEVELS = 2
const MODE_LEVEL_WORDS = 3
const MODE_NONE = -1

/** Bit-reverses the low `len` (1..32) bits of `v`. */
function reverse (v: number, len: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1)
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2)
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4)
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8)
  v = (v >>> 16) | (v << 16)
  return v >>> (32 - len)
}

export class WasmHuffmanEncoder implements PzfHuffmanEncoder {
  readonly #w: PzfWasmKernels
  readonly #builder = new HuffmanCodeBuilder()
  #mode = MODE_NONE
  #n = 0
  #length = 0
  /** The quantisation table now in kernel memory (tables are cached per setting, so identity suffices). */
  #lut: Uint8Array | null = null

  constructor (kernels: PzfWasmKernels) {
    this.#w = kernels
  }

  /**
   * Plans the stream for the bytes `src`; returns its length in bytes, or -1 when the
   * kernels cannot take an input this large (the caller uses the TypeScript encoder).
   */
  planBytes (src: Uint8Array): number {
    const w = this.#w
    const n = src.length
    if (!w.ensure(PzfWasmKernels.regionSize(n) + PzfWasmKernels.regionSize(n + 512))) return -1
    const input = w.dynamic
    w.u8.set(src, input)
    const k = w.k
    if (n >= WORD_KERNEL_MIN_SYMBOLS) {
      k.histogramWords(input, n >>> 1)
      k.foldWordsToBytes()
      if ((n & 1) === 1) w.f64[(w.counts >>> 3) + (src[n - 1] as number)]!++
      this.#mode = MODE_WORDS
    } else {
      k.histogramBytes(input, n)
      this.#mode = MODE_BYTES
    }
    this.#n = n
    return this.#finishPlan()
  }

  /** Plans the stream for `src` quantised through `lut`; -1 as {@link planBytes}. */
  planQuantised (src: Uint16Array, lut: Uint8Array): number {
    const w = this.#w
    const n = src.length
    if (!w.ensure(PzfWasmKernels.regionSize(2 * n) + PzfWasmKernels.regionSize(n + 512))) return -1
    const input = w.dynamic
    w.u8.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), input)
    if (this.#lut !== lut) {
      w.u8.set(lut, w.lut)
      this.#lut = lut
    }
    const k = w.k
    if (n >= WORD_KERNEL_MIN_SYMBOLS) {
      k.histogramWords(input, n)
      k.foldWordsToLevels()
      this.#mode = MODE_LEVEL_WORDS
    } else {
      k.histogramLevels(input, n)
      this.#mode = MODE_LEVELS
    }
    this.#n = n
    return this.#finishPlan()
  }

  cancel (): void {
    this.#mode = MODE_NONE
  }

  write (target: Uint8Array, offset: number): number {
    const mode = this.#mode
    this.#mode = MODE_NONE
    if (mode === MODE_NONE || this.#length === 0) return offset
    const w = this.#w
    const code = this.#builder
    this.#loadCode(code)
    const k = w.k
    if (mode === MODE_WORDS) k.buildPairTable()
    else if (mode === MODE_LEVEL_WORDS) k.buildQuantTable()
    const input = w.dynamic
    const inputBytes = mode === MODE_BYTES || mode === MODE_WORDS ? this.#n : 2 * this.#n
    const output = input + PzfWasmKernels.regionSize(inputBytes)
    const length = k.encodeStream(mode, input, this.#n, code.treeLength, output)
    k.reverseBits(output, length)
    target.set(w.u8.subarray(output, output + length), offset)
    return offset + length
  }

  #finishPlan (): number {
    const w = this.#w
    const counts = w.f64.subarray(w.counts >>> 3, (w.counts >>> 3) + 256)
    const code = this.#builder.build(counts)
    this.#length = huffmanStreamBytes(code, counts)
    return this.#length
  }

  /** Code lengths, bit-reversed codes (256 bits each) and the pre-order tree into kernel memory. */
  #loadCode (code: HuffmanCode): void {
    const w = this.#w
    const u8 = w.u8
    const u32 = w.u32
    u8.set(code.lengths, w.lens)
    const base = w.codes >>> 2
    u32.fill(0, base, base + 256 * 8)
    const lengths = code.lengths
    for (let s = 0; s < 256; s++) {
      const len = lengths[s] as number
      if (len === 0) continue
      const at = base + s * 8
      if (len <= 32) {
        u32[at] = reverse(code.codes[s] as number, len)
      } else {
        const paths = code.paths
        for (let j = 0; j < len; j++) {
          if (paths[s * 256 + j] === 1) u32[at + (j >>> 5)] = ((u32[at + (j >>> 5)] as number) | (1 << (j & 31))) >>> 0
        }
      }
    }
    w.i16.set(code.tree.subarray(0, code.treeLength), w.tree >>> 1)
  }
}
