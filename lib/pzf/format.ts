/**
 * PZF header layout (PYME `PYME/IO/PZFFormat.py`): field offsets, codes, and the
 * header reader/writer. Spec: shared/spec/PZF.md §1-§3.
 *
 * ```
 *  0     2   3   4   5   6   7   8          16     20     24     28     32          40       44       48      52      64
 *  | BD  |ver|fmt|cmp|qnt|ord| 0 | seqId i64 |frame |width |height|depth | stamp u64 |qOffset |qScale  |dataOff| 0 x 12 |
 *  '-------------------------------- v1/v2: 48 bytes, data at 48 ------------------------------------'  v3: 64 bytes
 * ```
 * All fields little-endian. Pure: no I/O, no Node-only imports.
 */
import { PzfFormatError } from '../errors.js'

/** Pixel types PZF can hold (header `DataFormat` 0, 1, 2). */
export type PzfDtype = 'uint8' | 'uint16' | 'float32'

/** Typed arrays the codec reads and returns. */
export type PzfPixels = Uint8Array | Uint16Array | Float32Array

/** The typed array of a dtype: `PzfPixelsOf<'uint16'>` is `Uint16Array`. */
export type PzfPixelsOf<D extends PzfDtype> = { readonly uint8: Uint8Array, readonly uint16: Uint16Array, readonly float32: Float32Array }[D]

/** Data section layouts (header `DataCompression` 0, 1, 2). */
export type PzfCompression = 'raw' | 'huffman' | 'huffman-chunks'

/** Memory order of the pixels: `C` = last axis fastest, `F` = first axis (x) fastest. */
export type PzfDimOrder = 'C' | 'F'

/** The frame description a header carries (what the writer needs). */
export interface PzfHeaderFields {
  readonly dtype: PzfDtype
  readonly compression: PzfCompression
  /** Float32 header values of the sqrt quantisation, or null when not quantised. */
  readonly quantization: { readonly offset: number, readonly scale: number } | null
  readonly dimOrder: PzfDimOrder
  readonly sequenceId: bigint
  readonly frameNum: number
  readonly width: number
  readonly height: number
  readonly depth: number
  readonly timestamp: bigint
}

/** The parsed header of a PZF file. */
export interface PzfHeader extends PzfHeaderFields {
  /** 1, 2 (48-byte header) or 3 (64-byte header). */
  readonly version: number
  /** Size of the fixed header: 48 or 64 bytes. */
  readonly headerLength: number
  /** Where the data section starts (v3 `DataOffset`, else 48). */
  readonly dataOffset: number
}

export const PZF_MAGIC_0 = 0x42 // 'B'
export const PZF_MAGIC_1 = 0x44 // 'D'
export const PZF_VERSION = 3
export const PZF_HEADER_LENGTH = 64
export const PZF_V2_HEADER_LENGTH = 48

export const dtypeCodes = { uint8: 0, uint16: 1, float32: 2 } as const
export const compressionCodes = { raw: 0, huffman: 1, 'huffman-chunks': 2 } as const
const dtypeByCode: readonly PzfDtype[] = ['uint8', 'uint16', 'float32']
const compressionByCode: readonly PzfCompression[] = ['raw', 'huffman', 'huffman-chunks']

/** Bytes per pixel of each dtype. */
export const bytesPerPixel = { uint8: 1, uint16: 2, float32: 4 } as const

/** The dtype of a typed array, or undefined for arrays PZF cannot hold. */
export function dtypeOf (data: unknown): PzfDtype | undefined {
  if (data instanceof Uint8Array) return 'uint8'
  if (data instanceof Uint16Array) return 'uint16'
  if (data instanceof Float32Array) return 'float32'
  return undefined
}

/** True where typed arrays are little-endian in memory (every platform PYME runs on). */
export const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * Reads and validates the header of a PZF file. Does not look at the data section
 * beyond checking that `DataOffset` lies inside `bytes`.
 * @throws PzfFormatError on anything that is not a well-formed PZF header.
 */
export function readPzfHeader (bytes: Uint8Array): PzfHeader {
  if (!(bytes instanceof Uint8Array)) throw new PzfFormatError('PZF input must be a Uint8Array')
  if (bytes.length < 3) throw new PzfFormatError(`truncated PZF header: ${bytes.length} bytes`)
  if (bytes[0] !== PZF_MAGIC_0 || bytes[1] !== PZF_MAGIC_1) throw new PzfFormatError('not a PZF file: no "BD" magic')
  const version = bytes[2] as number
  if (version < 1 || version > PZF_VERSION) throw new PzfFormatError(`unsupported PZF version ${version}`)
  const headerLength = version >= 3 ? PZF_HEADER_LENGTH : PZF_V2_HEADER_LENGTH
  if (bytes.length < headerLength) {
    throw new PzfFormatError(`truncated PZF header: ${bytes.length} of ${headerLength} bytes`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const dtype = dtypeByCode[bytes[3] as number]
  if (dtype === undefined) throw new PzfFormatError(`unknown PZF DataFormat ${bytes[3] as number}`)
  const compression = compressionByCode[bytes[4] as number]
  if (compression === undefined) throw new PzfFormatError(`unknown PZF DataCompression ${bytes[4] as number}`)
  const quant = bytes[5] as number
  if (quant > 1) throw new PzfFormatError(`unknown PZF DataQuantization ${quant}`)
  let dimOrder: PzfDimOrder = 'C'
  if (version >= 2) {
    const order = bytes[6] as number
    if (order === 0x43) dimOrder = 'C'
    else if (order === 0x46) dimOrder = 'F'
    else throw new PzfFormatError(`unknown PZF DimOrder byte 0x${order.toString(16)}`)
  }
  let dataOffset = PZF_V2_HEADER_LENGTH
  if (version >= 3) {
    dataOffset = view.getUint32(48, true)
    if (dataOffset < PZF_HEADER_LENGTH) throw new PzfFormatError(`PZF DataOffset ${dataOffset} is inside the header`)
    if (dataOffset > bytes.length) {
      throw new PzfFormatError(`PZF DataOffset ${dataOffset} is past the end of the ${bytes.length}-byte file`)
    }
  }
  return {
    version,
    headerLength,
    dataOffset,
    dtype,
    compression,
    quantization: quant === 1 ? { offset: view.getFloat32(40, true), scale: view.getFloat32(44, true) } : null,
    dimOrder,
    sequenceId: view.getBigInt64(8, true),
    frameNum: view.getUint32(16, true),
    width: view.getUint32(20, true),
    height: view.getUint32(24, true),
    depth: view.getUint32(28, true),
    timestamp: view.getBigUint64(32, true)
  }
}

/** Writes a 64-byte version 3 header (as PYME `dumps` does) at `target[offset]`. */
export function writePzfHeader (target: Uint8Array, offset: number, h: PzfHeaderFields): void {
  const view = new DataView(target.buffer, target.byteOffset + offset, PZF_HEADER_LENGTH)
  target.fill(0, offset, offset + PZF_HEADER_LENGTH)
  view.setUint8(0, PZF_MAGIC_0)
  view.setUint8(1, PZF_MAGIC_1)
  view.setUint8(2, PZF_VERSION)
  view.setUint8(3, dtypeCodes[h.dtype])
  view.setUint8(4, compressionCodes[h.compression])
  view.setUint8(5, h.quantization === null ? 0 : 1)
  view.setUint8(6, h.dimOrder === 'F' ? 0x46 : 0x43)
  view.setBigInt64(8, h.sequenceId, true)
  view.setUint32(16, h.frameNum, true)
  view.setUint32(20, h.width, true)
  view.setUint32(24, h.height, true)
  view.setUint32(28, h.depth, true)
  view.setBigUint64(32, h.timestamp, true)
  // PYME writes 0/0 (not 0/1) when the frame is not quantised.
  view.setFloat32(40, h.quantization === null ? 0 : h.quantization.offset, true)
  view.setFloat32(44, h.quantization === null ? 0 : h.quantization.scale, true)
  view.setUint32(48, PZF_HEADER_LENGTH, true)
}
