/**
 * Decoding a PZF data section's Huffman stream(s) on the WebAssembly kernels, into the
 * caller's bytes; identical output and errors to the TypeScript decoder (decode-pzf.ts).
 *
 * ```
 *   payload -> kernel memory (one copy) -> reverse bits per byte (LSB-first)
 *   per stream: tree parsed and checked by the TypeScript parser -> kernel table -> decode
 *   [quantised: levels -> de-quantisation table -> pixels]   -> out (one copy)
 * ```
 * The tree parser is the reference's own, so a malformed tree fails the same way on both
 * paths; the kernel checks every bit it reads past the last whole 8 bytes of input and
 * reports how many symbols were complete when the input ended.
 */
import type { HuffmanDecoder } from './huffman-decoder.js'
import { PzfWasmKernels } from './pzf-wasm-kernels.js'

/** One Huffman stream of a data section: where it is, how many bytes it decodes to, its chunk (0: unchunked). */
export interface PzfStreamSpan {
  readonly offset: number
  readonly length: number
  readonly raw: number
  readonly chunk: number
}

/** The checks shared with the TypeScript path, so that both fail alike. */
export interface PzfStreamChecks {
  /** Parses the stream's tree (into the shared parser) and checks its size; returns the tree's size in bits. */
  parse (span: PzfStreamSpan, src: Uint8Array): number
  /** The error for a stream whose input ended after `decoded` bytes. */
  truncated (span: PzfStreamSpan, decoded: number): Error
}

export class WasmHuffmanDecoder {
  readonly #w: PzfWasmKernels
  readonly #tree: HuffmanDecoder

  constructor (kernels: PzfWasmKernels, tree: HuffmanDecoder) {
    this.#w = kernels
    this.#tree = tree
  }

  /**
   * Decodes the streams `spans` of `payload` back to back into `out` (the bytes of the
   * whole data section's output); with `dequant`, the decoded bytes are levels, mapped
   * through the table into `out` instead. False (nothing written) when the kernels cannot
   * take a frame this large: the caller uses the TypeScript decoder.
   * @throws what `checks` builds, for malformed streams.
   */
  decode (payload: Uint8Array, spans: readonly PzfStreamSpan[], streamLength: number, out: Uint8Array,
    dequant: Uint8Array | Uint16Array | Float32Array | null, checks: PzfStreamChecks): boolean {
    const w = this.#w
    const inSize = PzfWasmKernels.regionSize(payload.length)
    const levelSize = PzfWasmKernels.regionSize(streamLength)
    if (!w.ensure(inSize + levelSize + (dequant === null ? 0 : PzfWasmKernels.regionSize(out.length)))) return false
    const k = w.k
    const input = w.dynamic
    const levels = input + inSize
    w.u8.set(payload, input)
    k.reverseBits(input, payload.length)
    const { sym, a, b } = this.#tree.treeArrays()
    let at = 0
    for (const span of spans) {
      if (span.raw === 0) continue
      const treeBits = checks.parse(span, payload.subarray(span.offset, span.offset + span.length))
      if ((sym[0] as number) >= 0) {
        // A single-symbol tree: every byte is that symbol (no bits to read).
        w.u8.fill(sym[0] as number, levels + at, levels + at + span.raw)
      } else {
        w.i16.set(sym, w.sym >>> 1)
        w.i16.set(a, w.a >>> 1)
        w.i16.set(b, w.b >>> 1)
        k.buildDecodeTable()
        const decoded = k.decodeStream(input + span.offset, span.length, treeBits, levels + at, span.raw)
        if (decoded < span.raw) throw checks.truncated(span, decoded)
      }
      at += span.raw
    }
    if (dequant === null) {
      out.set(w.u8.subarray(levels, levels + streamLength))
      return true
    }
    const pixels = levels + levelSize
    w.u8.set(new Uint8Array(dequant.buffer, dequant.byteOffset, dequant.byteLength), w.dequant)
    k.dequantise(levels, streamLength, pixels, dequant.BYTES_PER_ELEMENT)
    out.set(w.u8.subarray(pixels, pixels + out.length))
    return true
  }
}
