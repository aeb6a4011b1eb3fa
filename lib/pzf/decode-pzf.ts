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
  bytesPerPixel, littleEndianHost, readPzfHeader,
  type PzfDimOrder, type PzfDtype, type PzfHeader, type PzfPixels
} from './format.js'
import { HuffmanDecoder } from './huffman-decoder.js'
import { dequantisationTable, dequantise } from './sqrt-quantiser.js'

/** Limits that bound the memory a decode may allocate. */
export interface PzfDecodeLimits {
  /** Largest accepted `Width * Height * Depth`. @default 268435456 (2^28) */
  readonly maxPixels?: number
  /** Largest accepted decoded size in bytes. @default 1073741824 (1 GiB) */
  readonly maxBytes?: number
}

/** A decoded frame. */
export interface DecodedPzf {
  /** The pixels in the stored memory order (`dimOrder`), in fresh memory. */
  readonly data: PzfPixels
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

/**
 * Decodes a complete PZF file.
 * @throws PzfFormatError for anything that is not a valid PZF frame;
 *         PzfLimitError when the frame exceeds `limits`;
 *         InvalidArgumentError for bad limits.
 */
export function decodePzf (bytes: Uint8Array, limits?: PzfDecodeLimits): DecodedPzf {
  const maxPixels = limit(limits?.maxPixels, 'maxPixels', DEFAULT_MAX_PIXELS)
  const maxBytes = limit(limits?.maxBytes, 'maxBytes', DEFAULT_MAX_BYTES)
  const header = readPzfHeader(bytes)
  const { width, height, depth, dtype } = header
  const pixels = width * height * depth
  if (pixels > maxPixels) {
    throw new PzfLimitError(`PZF frame of ${width}x${height}x${depth} pixels exceeds maxPixels ${maxPixels}`)
  }
  const bpp = bytesPerPixel[dtype]
  if (pixels * bpp > maxBytes) {
    throw new PzfLimitError(`PZF frame of ${pixels * bpp} bytes exceeds maxBytes ${maxBytes}`)
  }
  const payload = bytes.subarray(header.dataOffset)
  const quantised = header.quantization !== null
  // Bytes the data section decodes to: one level per pixel when quantised.
  const streamLength = quantised ? pixels : pixels * bpp
  let stream: Uint8Array
  let out: ArrayBuffer
  if (header.compression === 'raw') {
    if (payload.length !== streamLength) {
      if (quantised && payload.length === pixels * bpp && bpp > 1) {
        throw new PzfFormatError('PZF raw data flagged sqrt-quantised holds unquantised pixels ' +
          '(written by PYME with quantisation and no compression; PZF.md §6.4)')
      }
      throw new PzfFormatError(`PZF raw data section is ${payload.length} bytes, the header needs ${streamLength}`)
    }
    stream = payload
    out = new ArrayBuffer(pixels * bpp)
  } else {
    // Every symbol costs at least one bit: refuse before allocating what cannot be there.
    if (header.compression === 'huffman') checkStreamSize(payload.length, streamLength, 0)
    else checkChunkTable(payload, streamLength)
    out = new ArrayBuffer(pixels * bpp)
    // Quantised levels go to the last `pixels` bytes of the output and are de-quantised in
    // place, front to back: pixel i's bytes end at or before level i + 1, so every level is
    // read before anything overwrites it. No scratch buffer.
    stream = new Uint8Array(out, out.byteLength - streamLength, streamLength)
    if (header.compression === 'huffman') decodeStream(payload, stream, 0)
    else decodeChunks(payload, stream)
  }
  let data: PzfPixels
  if (quantised) {
    data = typedArray(dtype, out)
    dequantise(stream, dequantisationTable(header.quantization.scale, header.quantization.offset, dtype), data)
  } else {
    if (stream.buffer !== out) new Uint8Array(out).set(stream)
    /* c8 ignore next -- big-endian hosts only */
    if (!littleEndianHost && bpp > 1) swapInPlace(new Uint8Array(out), bpp)
    data = typedArray(dtype, out)
  }
  return { data, shape: [width, height, depth], dimOrder: header.dimOrder, dtype, header }
}

function typedArray (dtype: PzfDtype, buffer: ArrayBuffer): PzfPixels {
  if (dtype === 'uint8') return new Uint8Array(buffer)
  if (dtype === 'uint16') return new Uint16Array(buffer)
  return new Float32Array(buffer)
}

/* c8 ignore start -- big-endian hosts only */
function swapInPlace (bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse()
}
/* c8 ignore stop */

/** Decodes one Huffman stream into `out`; `chunk` names the chunk in errors (0 = unchunked). */
function decodeStream (src: Uint8Array, out: Uint8Array, chunk: number): void {
  if (out.length === 0) return
  const where = chunk === 0 ? '' : ` (chunk ${chunk})`
  const dec = (decoder ??= new HuffmanDecoder())
  try {
    const treeBits = dec.parse(src)
    // Every symbol costs at least one bit (a single-symbol stream, as PYME writes it, too).
    if (src.length * 8 - treeBits < out.length) {
      throw new PzfFormatError(`truncated Huffman stream: ${src.length} bytes cannot hold ${out.length} bytes`)
    }
    dec.decode(src, out)
  } catch (err) {
    /* c8 ignore next -- the decoder throws nothing but PzfFormatError */
    if (!(err instanceof PzfFormatError) || chunk === 0) throw err
    throw new PzfFormatError(err.message + where, { cause: err })
  }
}

function checkStreamSize (compressed: number, raw: number, chunk: number): void {
  if (raw > compressed * 8) {
    throw new PzfFormatError(`truncated Huffman stream${chunk === 0 ? '' : ` (chunk ${chunk})`}: ` +
      `${compressed} bytes cannot hold ${raw} bytes`)
  }
}

/** Checks the whole chunk table (PZF.md §4.3) against the payload and the expected size. */
function checkChunkTable (payload: Uint8Array, expected: number): void {
  if (payload.length < 2) throw new PzfFormatError('truncated PZF chunk table')
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  const count = view.getUint16(0, true)
  let pos = 2
  let total = 0
  for (let i = 0; i < count; i++) {
    if (pos + 8 > payload.length) throw new PzfFormatError(`truncated PZF chunk table at chunk ${i + 1} of ${count}`)
    const compressed = view.getUint32(pos, true)
    const raw = view.getUint32(pos + 4, true)
    pos += 8 + compressed
    if (pos > payload.length) throw new PzfFormatError(`PZF chunk ${i + 1} of ${count} runs past the end of the file`)
    checkStreamSize(compressed, raw, i + 1)
    total += raw
  }
  if (total !== expected) {
    throw new PzfFormatError(`PZF chunks decode to ${total} bytes, the header needs ${expected}`)
  }
}

/** Chunked Huffman (PZF.md §4.3), after {@link checkChunkTable}: chunk by chunk into `out`. */
function decodeChunks (payload: Uint8Array, out: Uint8Array): void {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  const count = view.getUint16(0, true)
  let pos = 2
  let at = 0
  for (let i = 0; i < count; i++) {
    const compressed = view.getUint32(pos, true)
    const raw = view.getUint32(pos + 4, true)
    decodeStream(payload.subarray(pos + 8, pos + 8 + compressed), out.subarray(at, at + raw), i + 1)
    pos += 8 + compressed
    at += raw
  }
}
