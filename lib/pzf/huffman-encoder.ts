/**
 * Huffman stream encoder, bit-identical to pymecompress `huffman_compress`
 * (shared/spec/PZF.md §7): one static tree from the exact byte histogram, serialised
 * pre-order, then the codes of all input bytes MSB-first, zero-padded to a byte.
 *
 * Two kernels produce the same bits:
 * - byte kernel: one table look-up per byte (small inputs, odd head/tail bytes);
 * - word kernel: the input read as little-endian uint16 words; a 65,536-entry table
 *   maps each word to the concatenated codes of its two bytes (or, when quantising, to
 *   the code of its quantised level), so one look-up and one accumulator step emit a
 *   whole pixel, with no data-dependent branch (see bit-writer.ts). A word whose
 *   combined code is longer than 24 bits takes a slow path.
 * ```
 *   hist[65536] (uint16 words) --fold--> counts[256] (bytes) --> HuffmanCode
 *   table[v] = code(lo(v)) ++ code(hi(v))   |  quantised: table[v] = code(lut[v])
 * ```
 * Usage is two-phase so that callers can allocate the exact output size:
 * `plan…()` returns the stream length in bytes, `write()` then writes that stream.
 * One encoder per thread; not re-entrant between `plan` and `write`.
 */
import { BitWriter, MAX_WRITE_BITS } from './bit-writer.js'
import { HuffmanCodeBuilder, huffmanStreamBytes, type HuffmanCode } from './huffman-code.js'
import { littleEndianHost } from './format.js'
import { quantise } from './sqrt-quantiser.js'

/** Below this many symbols the 65,536-entry tables cost more than they save. */
const WORD_KERNEL_MIN_SYMBOLS = 1 << 15

/** Longest code a word-table entry holds: what one branch-free writer step accepts. */
const MAX_TABLE_CODE = MAX_WRITE_BITS

const MODE_NONE = 0
const MODE_BYTES = 1
const MODE_QUANT = 2

/**
 * A Huffman stream encoder, in two phases: `plan…()` returns the stream's length in bytes
 * (-1: this encoder cannot take the input, use another), then `write()` writes it.
 */
export interface PzfHuffmanEncoder {
  /** Plans the stream of the bytes `src`. */
  planBytes (src: Uint8Array): number
  /** Plans the stream of the uint16 pixels `src` quantised through `lut` (65,536 levels). */
  planQuantised (src: Uint16Array, lut: Uint8Array): number
  /** Drops a plan that will not be written. */
  cancel (): void
  /** Writes the planned stream at `target[offset]`; returns the end offset. */
  write (target: Uint8Array, offset: number): number
}

/** The TypeScript reference encoder (and fallback of the WebAssembly one). */
export class HuffmanEncoder implements PzfHuffmanEncoder {
  readonly #builder = new HuffmanCodeBuilder()
  readonly #counts = new Float64Array(256)
  #hist: Uint32Array | null = null
  #tab: Int32Array | null = null
  #quantBytes: Uint8Array | null = null
  #mode = MODE_NONE
  #src: Uint8Array | Uint16Array | null = null
  #lut: Uint8Array | null = null
  #useWords = false
  #length = 0

  /** Force the byte kernel (tests compare both kernels). */
  wordKernel = true

  /** Plans the stream for the bytes `src`; returns its length in bytes. */
  planBytes (src: Uint8Array): number {
    const counts = this.#counts
    counts.fill(0)
    this.#useWords = this.wordKernel && littleEndianHost && src.length >= WORD_KERNEL_MIN_SYMBOLS
    if (this.#useWords) {
      const { head, words, tail } = splitWords(src)
      const hist = this.#histogram(words)
      for (let v = 0; v < 65536; v++) {
        const h = hist[v] as number
        if (h !== 0) {
          counts[v & 0xff] = (counts[v & 0xff] as number) + h
          counts[v >>> 8] = (counts[v >>> 8] as number) + h
        }
      }
      if (head) counts[src[0] as number]!++
      if (tail) counts[src[src.length - 1] as number]!++
    } else {
      for (let i = 0; i < src.length; i++) counts[src[i] as number]!++
    }
    this.#mode = MODE_BYTES
    this.#src = src
    this.#lut = null
    return this.#finishPlan()
  }

  /** Plans the stream for the uint16 pixels `src` quantised through `lut` (65,536 levels). */
  planQuantised (src: Uint16Array, lut: Uint8Array): number {
    const counts = this.#counts
    counts.fill(0)
    this.#useWords = this.wordKernel && src.length >= WORD_KERNEL_MIN_SYMBOLS
    if (this.#useWords) {
      const hist = this.#histogram(src)
      for (let v = 0; v < 65536; v++) {
        const h = hist[v] as number
        if (h !== 0) counts[lut[v] as number] = (counts[lut[v] as number] as number) + h
      }
    } else {
      for (let i = 0; i < src.length; i++) counts[lut[src[i] as number] as number]!++
    }
    this.#mode = MODE_QUANT
    this.#src = src
    this.#lut = lut
    return this.#finishPlan()
  }

  /** Drops a plan that will not be written (releases the reference to its input). */
  cancel (): void {
    this.#mode = MODE_NONE
    this.#src = null
    this.#lut = null
  }

  /** Writes the planned stream at `target[offset]`; returns the end offset. */
  write (target: Uint8Array, offset: number): number {
    const code = this.#builder
    const src = this.#src
    const mode = this.#mode
    const lut = this.#lut
    this.#mode = MODE_NONE
    this.#src = null
    this.#lut = null
    if (src === null || this.#length === 0) return offset
    const w = new BitWriter(target, offset)
    writeTree(w, code)
    const end = offset + this.#length
    if (mode === MODE_QUANT) this.#writeQuant(w, code, src as Uint16Array, lut as Uint8Array, end)
    else this.#writeBytesMode(w, code, src as Uint8Array, end)
    return w.finish()
  }

  #finishPlan (): number {
    this.#length = huffmanStreamBytes(this.#builder.build(this.#counts), this.#counts)
    return this.#length
  }

  /**
   * Word histogram. Four interleaved count arrays, folded at the end, avoid the stall of
   * incrementing the same counter back to back (neighbouring camera pixels often repeat).
   */
  #histogram (words: Uint16Array): Uint32Array {
    const hist = (this.#hist ??= new Uint32Array(4 * 65536))
    hist.fill(0)
    const n = words.length
    const n4 = n & ~3
    let i = 0
    for (; i < n4; i += 4) {
      hist[words[i] as number]!++
      hist[65536 + (words[i + 1] as number)]!++
      hist[131072 + (words[i + 2] as number)]!++
      hist[196608 + (words[i + 3] as number)]!++
    }
    for (; i < n; i++) hist[words[i] as number]!++
    for (let v = 0; v < 65536; v++) {
      hist[v] = (hist[v] as number) + (hist[65536 + v] as number) + (hist[131072 + v] as number) + (hist[196608 + v] as number)
    }
    return hist
  }

  #table (): Int32Array {
    return (this.#tab ??= new Int32Array(65536))
  }

  #writeBytesMode (w: BitWriter, code: HuffmanCode, src: Uint8Array, end: number): void {
    if (!this.#useWords) {
      writeBytes(w, code, src, 0, src.length)
      return
    }
    const { head, words, tail } = splitWords(src)
    if (head) writeBytes(w, code, src, 0, 1)
    // Table of both bytes' codes per word; only words present in the histogram are filled,
    // the others are never looked up.
    const hist = this.#hist as Uint32Array
    const tab = this.#table()
    const lengths = code.lengths
    const codes = code.codes
    for (let v = 0; v < 65536; v++) {
      if (hist[v] === 0) continue
      const lo = v & 0xff
      const hi = v >>> 8
      const len = (lengths[lo] as number) + (lengths[hi] as number)
      tab[v] = len <= MAX_TABLE_CODE ? ((((codes[lo] as number) << (lengths[hi] as number)) | (codes[hi] as number)) << 6) | len : 0
    }
    writeWords(w, code, words, tab, null, end)
    if (tail) writeBytes(w, code, src, src.length - 1, src.length)
  }

  #writeQuant (w: BitWriter, code: HuffmanCode, src: Uint16Array, lut: Uint8Array, end: number): void {
    if (!this.#useWords) {
      let q = this.#quantBytes
      if (q === null || q.length < src.length) q = this.#quantBytes = new Uint8Array(Math.max(src.length, 1024))
      quantise(src, lut, q)
      writeBytes(w, code, q, 0, src.length)
      return
    }
    const hist = this.#hist as Uint32Array
    const tab = this.#table()
    for (let v = 0; v < 65536; v++) {
      if (hist[v] === 0) continue
      const s = lut[v] as number
      const len = code.lengths[s] as number
      tab[v] = len <= MAX_TABLE_CODE ? ((code.codes[s] as number) << 6) | len : 0
    }
    writeWords(w, code, src, tab, lut, end)
  }
}

/** Splits a byte range into an odd leading byte, aligned little-endian words and an odd trailing byte. */
function splitWords (src: Uint8Array): { head: boolean, words: Uint16Array, tail: boolean } {
  const head = (src.byteOffset & 1) === 1
  const start = src.byteOffset + (head ? 1 : 0)
  const rest = src.length - (head ? 1 : 0)
  return { head, words: new Uint16Array(src.buffer, start, rest >>> 1), tail: (rest & 1) === 1 }
}

function writeTree (w: BitWriter, code: HuffmanCode): void {
  const tree = code.tree
  for (let i = 0; i < code.treeLength; i++) {
    const s = tree[i] as number
    if (s < 0) w.write(0, 1)
    else w.write(0x100 | s, 9)
  }
}

/** Writes the codes of `src[from..to)` one byte at a time. */
function writeBytes (w: BitWriter, code: HuffmanCode, src: Uint8Array, from: number, to: number): void {
  const lengths = code.lengths
  const codes = code.codes
  for (let i = from; i < to; i++) {
    const s = src[i] as number
    const len = lengths[s] as number
    if (len <= MAX_WRITE_BITS) w.write(codes[s] as number, len)
    else w.writePath(code.paths, s * 256, len)
  }
}

/** Writes the code of symbol `s` whatever its length. */
function writeSymbol (w: BitWriter, code: HuffmanCode, s: number): void {
  const len = code.lengths[s] as number
  if (len <= MAX_WRITE_BITS) w.write(code.codes[s] as number, len)
  else w.writePath(code.paths, s * 256, len)
}

/**
 * The hot loop: one table look-up per uint16 word. A table entry is `code << 6 | length`
 * (length <= 24); `0` marks words whose code is longer, which go through the careful
 * writer (both bytes, or the quantised level `lut[v]`).
 *
 * Each step ORs the code into the accumulator, stores all 4 accumulator bytes at `pos`
 * (rewriting the partial byte with the same bits) and advances by the whole bytes done:
 * at most 3 per step. So a run of `(end - 4 - pos) / 3` steps cannot store past `end`,
 * the exact end of the stream; the last few words go through the careful writer.
 */
function writeWords (w: BitWriter, code: HuffmanCode, words: Uint16Array, tab: Int32Array,
  lut: Uint8Array | null, end: number): void {
  const view = w.view
  const count = words.length
  let i = 0
  while (i < count) {
    const safe = Math.floor((end - 4 - w.pos) / 3)
    if (safe <= 0) break
    const stop = Math.min(count, i + safe)
    let pos = w.pos
    let acc = w.acc
    let k = w.k
    for (; i < stop; i++) {
      const e = tab[words[i] as number] as number
      const len = e & 63
      if (len === 0) break
      k += len
      acc |= (e >>> 6) << (32 - k)
      view.setUint32(pos, acc)
      const whole = k >>> 3
      pos += whole
      acc <<= whole << 3
      k &= 7
    }
    w.pos = pos
    w.acc = acc
    w.k = k
    if (i < stop) writeSlow(w, code, words[i++] as number, tab, lut)
  }
  for (; i < count; i++) writeSlow(w, code, words[i] as number, tab, lut)
}

/** One word through the careful writer: its table entry, or symbol by symbol when longer. */
function writeSlow (w: BitWriter, code: HuffmanCode, v: number, tab: Int32Array, lut: Uint8Array | null): void {
  const e = tab[v] as number
  if ((e & 63) !== 0) {
    w.write(e >>> 6, e & 63)
  } else if (lut === null) {
    writeSymbol(w, code, v & 0xff)
    writeSymbol(w, code, v >>> 8)
  } else {
    writeSymbol(w, code, lut[v] as number)
  }
}
