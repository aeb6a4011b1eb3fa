/**
 * `decodePzf`: a PZF file (any version PYME writes or wrote) to pixels, following
 * shared/spec/PZF.md §5, hardened for untrusted input.
 *
 * Everything is validated before anything frame-sized is allocated: the header, the
 * caller's limits, the data section's size (raw), the Huffman tree and the minimum
 * number of bits the claimed output needs (every symbol costs at least one bit, so a
 * stream never decodes to more than 8 bytes per stored byte), and the chunk table.
 * Malformed input gives PzfFormatError (PzfLimitError for limits), never a crash, hang
 * or out-of-bounds read.
 *
 * Deviations from PYME (which would crash, corrupt memory or return garbage):
 * - raw data flagged as sqrt-quantised whose size is that of the unquantised pixels (the
 *   file PYME writes for raw + sqrt, §6.4) is refused with a message saying so;
 * - chunked Huffman (§4.3) is decoded with `rawLength` in bytes;
 * - an empty or short Huffman stream for a non-empty frame is refused (PYME returns zeros
 *   or reads past its buffer).
 */
import { InvalidArgumentError, PzfFormatError, PzfLimitError } from '../errors.js'
import {
  bytesPerPixel, dtypeOf, littleEndianHost, readPzfHeader,
  type PzfDimOrder, type PzfDtype, type PzfHeader, type PzfPixels
} from './format.js'
import { HuffmanDecoder } from './huffman-decoder.js'
import { checkPzfImpl, pzfWasmKernels, type PzfImpl } from './pzf-wasm.js'
import { dequantisationTable, dequantise } from './sqrt-quantiser.js'
import { WasmHuffmanDecoder, type PzfStreamChecks, type PzfStreamSpan } from './wasm-huffman-decoder.js'

/** Limits that bound the memory a decode may allocate. */
export interface PzfDecodeLimits {
  /** Largest accepted `Width * Height * Depth`. @default 268435456 (2^28) */
  readonly maxPixels?: number
  /** Largest accepted decoded size in bytes. @default 1073741824 (1 GiB) */
  readonly maxBytes?: number
}

/** Options of {@link decodePzf} and {@link decodePzfInto}: the limits, and the codec. */
export interface PzfDecodeOptions extends PzfDecodeLimits {
  /**
   * `'wasm'`: the WebAssembly kernels where they are available (else the TypeScript codec);
   * `'js'`: the TypeScript reference codec. Both give identical pixels and errors.
   * @default the `PZF_IMPL` environment variable, else 'wasm'
   */
  readonly impl?: PzfImpl
}

/** A decoded frame; `T` is its pixel array when known (a `SeriesReader` opened with a `dtype`). */
export interface DecodedPzf<T extends PzfPixels = PzfPixels> {
  /**
   * The pixels in the stored memory order (`dimOrder`): fresh memory from `decodePzf`, a
   * view of the target's memory from `decodePzfInto`.
   */
  readonly data: T
  /** `[Width, Height, Depth]` (PYME's `(x, y, z)`; Depth is 1 for 2-D frames). */
  readonly shape: readonly [number, number, number]
  readonly dimOrder: PzfDimOrder
  readonly dtype: PzfDtype
  readonly header: PzfHeader
}

export const DEFAULT_MAX_PIXELS = 2 ** 28
export const DEFAULT_MAX_BYTES = 2 ** 30
// Largest typed array we are willing to allocate (V8's limit on 64-bit hosts).
const MAX_LIMIT = 2 ** 32

function limit (v: number | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback
  if (!Number.isSafeInteger(v) || v < 0 || v > MAX_LIMIT) {
    throw new InvalidArgumentError(`invalid ${name}: expected an integer 0..2^32`)
  }
  return v
}

let decoder: HuffmanDecoder | null = null
let wasmDecoder: WasmHuffmanDecoder | null = null

/** The thread's tree parser and TypeScript decoder (created on first use, not at import). */
function huffman (): HuffmanDecoder {
  return (decoder ??= new HuffmanDecoder())
}

/**
 * Decodes a complete PZF file into fresh memory.
 * @throws PzfFormatError for anything that is not a valid PZF frame;
 *         PzfLimitError when the frame exceeds the limits;
 *         InvalidArgumentError for bad options.
 */
export function decodePzf (bytes: Uint8Array, options?: PzfDecodeOptions): DecodedPzf {
  return decodeTo(bytes, options, null)
}

/**
 * Decodes a complete PZF file into `target`'s memory (no allocation of pixel memory):
 * `target` is a typed array of the frame's type (`Uint16Array` for uint16 frames …), or a
 * `Uint8Array` for any type (then aligned to the pixel size), of at least the frame's
 * decoded size (`width * height * depth` pixels: see `readPzfHeader`). The result's
 * `data` is a view of `target`, valid until the caller reuses it.
 * @throws as {@link decodePzf}; InvalidArgumentError when `target` cannot hold the frame
 *         or shares memory with `bytes`.
 */
export function decodePzfInto (bytes: Uint8Array, target: PzfPixels, options?: PzfDecodeOptions): DecodedPzf {
  if (dtypeOf(target) === undefined) throw new InvalidArgumentError('invalid target: expected a Uint8Array, Uint16Array or Float32Array')
  return decodeTo(bytes, options, target)
}

/** The bytes of `target` the frame decodes into, after checking that it can hold them. */
function targetBytes (target: PzfPixels, bytes: Uint8Array, dtype: PzfDtype, byteLength: number): Uint8Array {
  const kind = dtypeOf(target) as PzfDtype
  if (kind !== 'uint8' && kind !== dtype) {
    throw new InvalidArgumentError(`invalid target: a ${target.constructor.name} cannot hold ${dtype} pixels`)
  }
  if (target.byteLength < byteLength) {
    throw new InvalidArgumentError(`invalid target: ${target.byteLength} bytes, the frame needs ${byteLength}`)
  }
  if (target.byteOffset % bytesPerPixel[dtype] !== 0) {
    throw new InvalidArgumentError(`invalid target: ${dtype} pixels need a byte offset aligned to ${bytesPerPixel[dtype]}`)
  }
  if (target.buffer === bytes.buffer && byteLength > 0 && bytes.length > 0 &&
      target.byteOffset < bytes.byteOffset + bytes.length && bytes.byteOffset < target.byteOffset + byteLength) {
    throw new InvalidArgumentError('invalid target: it shares memory with the input')
  }
  return new Uint8Array(target.buffer, target.byteOffset, byteLength)
}

/**
 * The decoded size in bytes of the frame `header` describes, within `limits`: what a
 * `decodePzfInto` target needs.
 * @throws PzfLimitError when the frame exceeds the limits; InvalidArgumentError for bad limits.
 */
export function decodedPzfLength (header: PzfHeader, limits?: PzfDecodeLimits): number {
  const maxPixels = limit(limits?.maxPixels, 'maxPixels', DEFAULT_MAX_PIXELS)
  const maxBytes = limit(limits?.maxBytes, 'maxBytes', DEFAULT_MAX_BYTES)
  const { width, height, depth, dtype } = header
  const pixels = width * height * depth
  if (pixels > maxPixels) {
    throw new PzfLimitError(`PZF frame of ${width}x${height}x${depth} pixels exceeds maxPixels ${maxPixels}`)
  }
  const bytes = pixels * bytesPerPixel[dtype]
  if (bytes > maxBytes) {
    throw new PzfLimitError(`PZF frame of ${bytes} bytes exceeds maxBytes ${maxBytes}`)
  }
  return bytes
}

function decodeTo (bytes: Uint8Array, options: PzfDecodeOptions | undefined, target: PzfPixels | null): DecodedPzf {
  const impl = checkPzfImpl(options?.impl)
  const header = readPzfHeader(bytes)
  const { width, height, depth, dtype } = header
  decodedPzfLength(header, options)
  const pixels = width * height * depth
  const bpp = bytesPerPixel[dtype]
  const payload = bytes.subarray(header.dataOffset)
  const quantised = header.quantization !== null
  // Bytes the data section decodes to: one level per pixel when quantised.
  const streamLength = quantised ? pixels : pixels * bpp
  let spans: PzfStreamSpan[] = []
  if (header.compression === 'raw') {
    if (payload.length !== streamLength) {
      if (quantised && payload.length === pixels * bpp && bpp > 1) {
        throw new PzfFormatError('PZF raw data flagged sqrt-quantised holds unquantised pixels ' +
          '(written by PYME with quantisation and no compression; PZF.md §6.4)')
      }
      throw new PzfFormatError(`PZF raw data section is ${payload.length} bytes, the header needs ${streamLength}`)
    }
  } else if (header.compression === 'huffman') {
    // Every symbol costs at least one bit: refuse before allocating what cannot be there.
    checkStreamSize(payload.length, streamLength, 0)
    spans = [{ offset: 0, length: payload.length, raw: streamLength, chunk: 0 }]
  } else {
    spans = chunkTable(payload, streamLength)
  }
  const out = target === null
    ? new Uint8Array(pixels * bpp)
    : targetBytes(target, bytes, dtype, pixels * bpp)
  const dequant = quantised ? dequantisationTable(header.quantization.scale, header.quantization.offset, dtype) : null
  if (header.compression === 'raw') {
    if (dequant === null) out.set(payload)
    else dequantise(payload, dequant, pixelView(dequant, out, streamLength))
  } else {
    const kernels = pzfWasmKernels(impl)
    const done = kernels !== null &&
      (wasmDecoder ??= new WasmHuffmanDecoder(kernels, huffman())).decode(payload, spans, streamLength, out, dequant, streamChecks)
    if (!done) decodeStreams(payload, spans, streamLength, out, dequant)
  }
  /* c8 ignore next -- big-endian hosts only */
  if (!littleEndianHost && bpp > 1) swapInPlace(out, bpp)
  const data = target === null
    ? typedArray(dtype, out.buffer as ArrayBuffer, 0, pixels)
    : target instanceof Uint8Array ? typedArray(dtype, target.buffer as ArrayBuffer, target.byteOffset, pixels) : target.subarray(0, pixels)
  return { data, shape: [width, height, depth], dimOrder: header.dimOrder, dtype, header }
}

function typedArray (dtype: PzfDtype, buffer: ArrayBuffer, offset: number, length: number): PzfPixels {
  if (dtype === 'uint8') return new Uint8Array(buffer, offset, length)
  if (dtype === 'uint16') return new Uint16Array(buffer, offset, length)
  return new Float32Array(buffer, offset, length)
}

/* c8 ignore start -- big-endian hosts only */
function swapInPlace (bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse()
}
/* c8 ignore stop */

/**
 * The TypeScript path: stream by stream into `out`. Quantised levels go to the last
 * `streamLength` bytes of `out` and are de-quantised in place, front to back: pixel i's
 * bytes end at or before level i + 1, so every level is read before anything overwrites
 * it. No scratch buffer.
 */
function decodeStreams (payload: Uint8Array, spans: readonly PzfStreamSpan[], streamLength: number, out: Uint8Array,
  dequant: Uint8Array | Uint16Array | Float32Array | null): void {
  const levels = out.subarray(out.length - streamLength)
  let at = 0
  for (const span of spans) {
    if (span.raw !== 0) {
      const src = payload.subarray(span.offset, span.offset + span.length)
      streamChecks.parse(span, src)
      try {
        huffman().decode(src, levels.subarray(at, at + span.raw))
      } catch (err) {
        throw inChunk(err, span.chunk)
      }
    }
    at += span.raw
  }
  if (dequant !== null) dequantise(levels, dequant, pixelView(dequant, out, streamLength))
}

/** `pixels` elements of the de-quantisation table's type over the bytes `out`. */
function pixelView (dequant: PzfPixels, out: Uint8Array, pixels: number): PzfPixels {
  if (dequant instanceof Uint8Array) return out
  if (dequant instanceof Uint16Array) return new Uint16Array(out.buffer, out.byteOffset, pixels)
  return new Float32Array(out.buffer, out.byteOffset, pixels)
}

/** Adds the chunk to a stream's error message (`chunk` 0: an unchunked stream). */
function inChunk (err: unknown, chunk: number): unknown {
  /* c8 ignore next -- the decoder throws nothing but PzfFormatError */
  if (!(err instanceof PzfFormatError) || chunk === 0) return err
  return new PzfFormatError(err.message + ` (chunk ${chunk})`, { cause: err })
}

/** The checks both paths run per stream, with the same errors. */
const streamChecks: PzfStreamChecks = {
  parse (span: PzfStreamSpan, src: Uint8Array): number {
    try {
      const treeBits = huffman().parse(src)
      // Every symbol costs at least one bit (a single-symbol stream, as PYME writes it, too).
      if (src.length * 8 - treeBits < span.raw) {
        throw new PzfFormatError(`truncated Huffman stream: ${src.length} bytes cannot hold ${span.raw} bytes`)
      }
      return treeBits
    } catch (err) {
      throw inChunk(err, span.chunk)
    }
  },
  truncated (span: PzfStreamSpan, decoded: number): Error {
    const err = new PzfFormatError(`truncated Huffman stream: input ended after ${decoded} of ${span.raw} bytes`)
    return inChunk(err, span.chunk) as Error
  }
}

function checkStreamSize (compressed: number, raw: number, chunk: number): void {
  if (raw > compressed * 8) {
    throw new PzfFormatError(`truncated Huffman stream${chunk === 0 ? '' : ` (chunk ${chunk})`}: ` +
      `${compressed} bytes cannot hold ${raw} bytes`)
  }
}

/**
 * Checks the whole chunk table (PZF.md §4.3) against the payload and the expected size;
 * returns the chunks' streams.
 */
function chunkTable (payload: Uint8Array, expected: number): PzfStreamSpan[] {
  if (payload.length < 2) throw new PzfFormatError('truncated PZF chunk table')
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  const count = view.getUint16(0, true)
  const spans: PzfStreamSpan[] = []
  let pos = 2
  let total = 0
  for (let i = 0; i < count; i++) {
    if (pos + 8 > payload.length) throw new PzfFormatError(`truncated PZF chunk table at chunk ${i + 1} of ${count}`)
    const compressed = view.getUint32(pos, true)
    const raw = view.getUint32(pos + 4, true)
    spans.push({ offset: pos + 8, length: compressed, raw, chunk: i + 1 })
    pos += 8 + compressed
    if (pos > payload.length) throw new PzfFormatError(`PZF chunk ${i + 1} of ${count} runs past the end of the file`)
    checkStreamSize(compressed, raw, i + 1)
    total += raw
  }
  if (total !== expected) {
    throw new PzfFormatError(`PZF chunks decode to ${total} bytes, the header needs ${expected}`)
  }
  return spans
}
