/**
 * `encodePzf`: one frame (2-D or 3-D typed array) to a complete PZF file, byte-identical
 * to PYME `PZFFormat.dumps` for every combination PYME gets right. Spec:
 * shared/spec/PZF.md §2 (header), §4 (data section), §6.1 (quantiser), §7 (Huffman).
 *
 * Where PYME is wrong we are right instead:
 * - sqrt quantisation saturates at level 255 (PYME wraps bright pixels to dark ones);
 *   `quantization.pymeExact` restores the wrap for conformance tests;
 * - sqrt quantisation with raw compression (PYME writes an unreadable file) and
 *   quantisation of non-uint16 data are refused;
 * - Huffman codes of any length are written correctly (PYME corrupts codes > 25 bits);
 * - the chunked layout (`'huffman-chunks'`, broken in PYME) is written only on request.
 *
 * Output size: exact (one allocation). `encodePzfInto` writes into a caller's buffer.
 */
import { InvalidArgumentError } from '../errors.js'
import {
  PZF_HEADER_LENGTH, dtypeOf, littleEndianHost, writePzfHeader,
  type PzfCompression, type PzfDimOrder, type PzfDtype, type PzfHeaderFields, type PzfPixels
} from './format.js'
import { HuffmanEncoder, type PzfHuffmanEncoder } from './huffman-encoder.js'
import { checkPzfImpl, pzfWasmKernels, type PzfImpl } from './pzf-wasm.js'
import { quantisationTable } from './sqrt-quantiser.js'
import { WasmHuffmanEncoder } from './wasm-huffman-encoder.js'

/** Square-root quantisation of uint16 pixels to 8-bit levels (PZF.md §6). */
export interface PzfQuantization {
  /** Camera offset (ADU) subtracted before the square root; stored as float32. Range 0..65535. */
  readonly offset: number
  /** Step size in sqrt(ADU); stored as float32. Range 0.001..100 (PYME's own limits). */
  readonly scale: number
  /**
   * Wrap levels above 255 modulo 256 exactly as PYME does (bright pixels silently become
   * dark). Off by default: we saturate at 255, which gives identical bytes whenever PYME
   * does not overflow.
   * @default false
   */
  readonly pymeExact?: boolean
}

/** Options of {@link encodePzf}. */
export interface PzfEncodeOptions {
  /** `[width, height]` or `[width, height, depth]` (PYME's `(x, y, z)` axes). */
  readonly shape: readonly [number, number] | readonly [number, number, number]
  /**
   * Memory order of `data`: `'C'` = last axis fastest, `'F'` = x fastest. A camera buffer
   * (rows of constant y, x fastest) is `'F'` with `shape [xSize, ySize]`: zero-copy, and
   * PYME sees the frame indexed `[x, y]` as its own acquisition writes it.
   * @default 'C'
   */
  readonly dimOrder?: PzfDimOrder
  /**
   * `'huffman'` (PYME's acquisition default), `'raw'`, or `'huffman-chunks'` (the chunked
   * layout PYME defines but cannot write or read; only on explicit request).
   * @default 'huffman'
   */
  readonly compression?: PzfCompression
  /** Number of independent Huffman streams for `'huffman-chunks'`. @default 2 (PYME's split) */
  readonly chunks?: number
  /** Sqrt quantisation (uint16 data, Huffman compression only), or none. @default null */
  readonly quantization?: PzfQuantization | null
  /** Series identifier (signed 64-bit). @default 0 */
  readonly sequenceId?: bigint | number
  /** Camera timestamp (unsigned 64-bit); a fractional number is truncated as PYME does. @default 0 */
  readonly timestamp?: bigint | number
  /** Frame index within the series (unsigned 32-bit). @default 0 */
  readonly frameNum?: number
  /**
   * `'wasm'`: the WebAssembly kernels where they are available (else the TypeScript codec);
   * `'js'`: the TypeScript reference codec. Both give identical bytes.
   * @default the `PZF_IMPL` environment variable, else 'wasm'
   */
  readonly impl?: PzfImpl
}

/** Validated encode arguments. */
export interface PzfEncodePlan extends PzfHeaderFields {
  readonly data: PzfPixels
  readonly chunks: number
  readonly pymeExact: boolean
  readonly impl: PzfImpl | undefined
}

const U32_MAX = 0xffffffff
const I64_MIN = -(1n << 63n)
const I64_MAX = (1n << 63n) - 1n
const U64_MAX = (1n << 64n) - 1n

/** Upper bound of a Huffman stream's size: at most 8 bits per byte (Huffman beats the fixed code) plus the tree. */
const MAX_TREE_BYTES = 320

/**
 * Validates `data` and `options` (no pixel is read).
 * @throws InvalidArgumentError naming the offending option.
 */
export function planPzfEncode (data: PzfPixels, options: PzfEncodeOptions): PzfEncodePlan {
  const dtype = dtypeOf(data)
  if (dtype === undefined) throw new InvalidArgumentError('invalid data: expected a Uint8Array, Uint16Array or Float32Array')
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('invalid options: expected an object')
  const shape = options.shape
  if (!Array.isArray(shape) || (shape.length !== 2 && shape.length !== 3) ||
      !shape.every((v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= U32_MAX)) {
    throw new InvalidArgumentError('invalid shape: expected [width, height] or [width, height, depth] of integers 0..2^32-1')
  }
  const width = shape[0] as number
  const height = shape[1] as number
  const depth = shape.length === 3 ? shape[2] as number : 1
  if (width * height * depth !== data.length) {
    throw new InvalidArgumentError(`invalid shape: ${width}x${height}x${depth} does not match ${data.length} pixels`)
  }
  const dimOrder = options.dimOrder ?? 'C'
  if (dimOrder !== 'C' && dimOrder !== 'F') throw new InvalidArgumentError("invalid dimOrder: expected 'C' or 'F'")
  const compression = options.compression ?? 'huffman'
  if (compression !== 'raw' && compression !== 'huffman' && compression !== 'huffman-chunks') {
    throw new InvalidArgumentError("invalid compression: expected 'raw', 'huffman' or 'huffman-chunks'")
  }
  const chunks = options.chunks ?? 2
  if (!Number.isInteger(chunks) || chunks < 1 || chunks > 0xffff) {
    throw new InvalidArgumentError('invalid chunks: expected an integer 1..65535')
  }
  if (options.chunks !== undefined && compression !== 'huffman-chunks') {
    throw new InvalidArgumentError("invalid chunks: only used with compression 'huffman-chunks'")
  }
  const quantization = planQuantization(options.quantization, dtype, compression)
  const impl = checkPzfImpl(options.impl)
  return {
    data,
    impl,
    dtype,
    compression,
    chunks,
    quantization: quantization === null ? null : { offset: Math.fround(quantization.offset), scale: Math.fround(quantization.scale) },
    pymeExact: quantization?.pymeExact === true,
    dimOrder,
    sequenceId: toBigInt(options.sequenceId ?? 0, 'sequenceId', I64_MIN, I64_MAX),
    timestamp: toBigInt(options.timestamp ?? 0, 'timestamp', 0n, U64_MAX),
    frameNum: checkFrameNum(options.frameNum ?? 0),
    width,
    height,
    depth
  }
}

function planQuantization (q: PzfQuantization | null | undefined, dtype: PzfDtype,
  compression: PzfCompression): PzfQuantization | null {
  if (q === undefined || q === null) return null
  if (typeof q !== 'object') throw new InvalidArgumentError('invalid quantization: expected { offset, scale } or null')
  if (dtype !== 'uint16') {
    throw new InvalidArgumentError(`invalid quantization: sqrt quantisation needs uint16 data, not ${dtype}`)
  }
  if (compression === 'raw') {
    throw new InvalidArgumentError("invalid quantization: sqrt quantisation needs Huffman compression (PYME's raw + sqrt files are unreadable)")
  }
  if (typeof q.offset !== 'number' || !(q.offset >= 0 && q.offset <= 65535)) {
    throw new InvalidArgumentError('invalid quantization.offset: expected a number 0..65535')
  }
  if (typeof q.scale !== 'number' || !(q.scale >= 0.001 && q.scale <= 100)) {
    throw new InvalidArgumentError('invalid quantization.scale: expected a number 0.001..100')
  }
  if (q.pymeExact !== undefined && typeof q.pymeExact !== 'boolean') {
    throw new InvalidArgumentError('invalid quantization.pymeExact: expected a boolean')
  }
  return q
}

function toBigInt (v: bigint | number, name: string, min: bigint, max: bigint): bigint {
  let b: bigint
  if (typeof v === 'bigint') {
    b = v
  } else if (typeof v === 'number' && Number.isFinite(v)) {
    // PYME truncates a float timestamp; an id must be exact.
    if (name === 'timestamp') v = Math.trunc(v)
    if (!Number.isSafeInteger(v)) throw new InvalidArgumentError(`invalid ${name}: a number must be a safe integer (use a bigint)`)
    b = BigInt(v)
  } else {
    throw new InvalidArgumentError(`invalid ${name}: expected a bigint or a number`)
  }
  if (b < min || b > max) throw new InvalidArgumentError(`invalid ${name}: out of range ${min}..${max}`)
  return b
}

function checkFrameNum (v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw new InvalidArgumentError('invalid frameNum: expected an integer 0..2^32-1')
  return v
}

let jsEncoder: HuffmanEncoder | null = null
let wasmEncoder: WasmHuffmanEncoder | null = null

/** The thread's TypeScript encoder (created on first use, not at import). */
function jsHuffman (): HuffmanEncoder {
  return (jsEncoder ??= new HuffmanEncoder())
}

/**
 * Plans one Huffman stream (the bytes `src`, or `pixels` through `lut`) on the encoder
 * `impl` selects; the TypeScript one when the kernels are unavailable or the input is too
 * large for them. Returns the encoder holding the plan and the stream's length.
 */
function planStream (impl: PzfImpl | undefined, src: Uint8Array | Uint16Array, lut: Uint8Array | null): { enc: PzfHuffmanEncoder, length: number } {
  const kernels = pzfWasmKernels(impl)
  if (kernels !== null) {
    const enc = (wasmEncoder ??= new WasmHuffmanEncoder(kernels))
    const length = lut === null ? enc.planBytes(src as Uint8Array) : enc.planQuantised(src as Uint16Array, lut)
    if (length >= 0) return { enc, length }
  }
  const enc = jsHuffman()
  return { enc, length: lut === null ? enc.planBytes(src as Uint8Array) : enc.planQuantised(src as Uint16Array, lut) }
}

/** The pixels as little-endian bytes in memory order (a view; a swapped copy on big-endian hosts). */
function pixelBytes (data: PzfPixels): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  /* c8 ignore next 2 -- big-endian hosts only; every platform PYME runs on is little-endian */
  if (!littleEndianHost && data.BYTES_PER_ELEMENT > 1) return swapBytes(bytes, data.BYTES_PER_ELEMENT)
  return bytes
}

/* c8 ignore start -- big-endian hosts only */
function swapBytes (bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length)
  for (let i = 0; i < bytes.length; i += size) {
    for (let k = 0; k < size; k++) out[i + k] = bytes[i + size - 1 - k] as number
  }
  return out
}
/* c8 ignore stop */

/** Sizes of the chunks PYME's (repaired) chunk writer makes: numpy `array_split` of the byte stream. */
function chunkSizes (total: number, chunks: number): number[] {
  const base = Math.floor(total / chunks)
  const extra = total % chunks
  const sizes: number[] = []
  for (let i = 0; i < chunks; i++) sizes.push(base + (i < extra ? 1 : 0))
  return sizes
}

/**
 * An upper bound on the size of `encodePzf(data, options)`, for sizing `encodePzfInto`'s
 * target without encoding. Raw frames: exact.
 */
export function maxPzfLength (data: PzfPixels, options: PzfEncodeOptions): number {
  const plan = planPzfEncode(data, options)
  const streamBytes = plan.quantization === null ? data.byteLength : data.length
  if (plan.compression === 'raw') return PZF_HEADER_LENGTH + streamBytes
  if (plan.compression === 'huffman') return PZF_HEADER_LENGTH + streamBytes + MAX_TREE_BYTES
  return PZF_HEADER_LENGTH + 2 + plan.chunks * (8 + MAX_TREE_BYTES) + streamBytes
}

/**
 * Encodes one frame as a complete PZF file in fresh memory of exactly the right size.
 * `data` is read in its memory order (`options.dimOrder`) and never modified.
 * @throws InvalidArgumentError for bad options or data.
 * @example
 * const file = encodePzf(frame, { shape: [2048, 2048], dimOrder: 'F', frameNum: 7 })
 */
export function encodePzf (data: PzfPixels, options: PzfEncodeOptions): Uint8Array {
  return encodePlanned(planPzfEncode(data, options), null) as Uint8Array
}

/**
 * Encodes one frame into `target` from offset 0 (no allocation for raw and Huffman
 * frames); returns the number of bytes written. Size `target` with {@link maxPzfLength}.
 * @throws InvalidArgumentError if `target` is too small (nothing useful is written).
 */
export function encodePzfInto (data: PzfPixels, options: PzfEncodeOptions, target: Uint8Array): number {
  if (!(target instanceof Uint8Array)) throw new InvalidArgumentError('invalid target: expected a Uint8Array')
  return encodePlanned(planPzfEncode(data, options), target) as number
}

function fit (target: Uint8Array | null, length: number): Uint8Array {
  if (target === null) return new Uint8Array(length)
  if (target.length < length) {
    throw new InvalidArgumentError(`invalid target: ${target.length} bytes, the frame needs ${length}`)
  }
  return target
}

function encodePlanned (plan: PzfEncodePlan, target: Uint8Array | null): Uint8Array | number {
  const { data, compression } = plan
  let out: Uint8Array
  let length: number
  if (compression === 'raw') {
    length = PZF_HEADER_LENGTH + data.byteLength
    out = fit(target, length)
    out.set(pixelBytes(data), PZF_HEADER_LENGTH)
  } else if (compression === 'huffman') {
    const { enc, length: streamLength } = plan.quantization === null
      ? planStream(plan.impl, pixelBytes(data), null)
      : planStream(plan.impl, data as Uint16Array, quantisationTable(plan.quantization.offset, plan.quantization.scale, plan.pymeExact))
    length = PZF_HEADER_LENGTH + streamLength
    try {
      out = fit(target, length)
    } catch (err) {
      enc.cancel()
      throw err
    }
    enc.write(out, PZF_HEADER_LENGTH)
  } else {
    const r = encodeChunks(plan, target)
    out = r.out
    length = r.length
  }
  writePzfHeader(out, 0, plan)
  return target === null ? out : length
}

/**
 * Chunked layout (PZF.md §4.3): u16 count, then per chunk u32 compressed length,
 * u32 raw length and an independent Huffman stream. A quantised frame's level stream has
 * one level per pixel, so its chunks are the quantised streams of runs of pixels (no
 * level buffer).
 */
function encodeChunks (plan: PzfEncodePlan, target: Uint8Array | null): { out: Uint8Array, length: number } {
  const lut = plan.quantization === null
    ? null
    : quantisationTable(plan.quantization.offset, plan.quantization.scale, plan.pymeExact)
  const stream = lut === null ? pixelBytes(plan.data) : plan.data as Uint16Array
  const sizes = chunkSizes(stream.length, plan.chunks)
  // Each chunk is planned twice (once for the total, once to write): chunked output is a
  // rarely used, explicit mode and this keeps the output in one exact allocation.
  let length = PZF_HEADER_LENGTH + 2 + 8 * plan.chunks
  let from = 0
  for (const size of sizes) {
    const { enc, length: compressed } = planStream(plan.impl, stream.subarray(from, from + size), lut)
    enc.cancel()
    length += compressed
    from += size
  }
  const out = fit(target, length)
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  view.setUint16(PZF_HEADER_LENGTH, plan.chunks, true)
  let pos = PZF_HEADER_LENGTH + 2
  from = 0
  for (const size of sizes) {
    const { enc, length: compressed } = planStream(plan.impl, stream.subarray(from, from + size), lut)
    view.setUint32(pos, compressed, true)
    view.setUint32(pos + 4, size, true)
    pos = enc.write(out, pos + 8)
    from += size
  }
  return { out, length }
}
