/**
 * Options of every `SeriesBackend` (Memory, Folder, Cluster), validated once in the
 * constructor with `InvalidArgumentError` naming the option.
 */
import { InvalidArgumentError } from '../errors.js'
import { booleanOption, byteSizeOption, checkOptionsObject, integerOption, type OptionKeys } from '../internal/options.js'
import { bytesPerPixel, type PzfCompression, type PzfDtype } from '../pzf/format.js'
import type { PzfEncoderPool } from '../pzf/pzf-encoder-pool.js'
import type { MetaDataHandler, MetadataInput } from '../series/metadata-handler.js'
import { MAX_SEQUENCE_ID, newSequenceId } from './sequence-id.js'

/** Sqrt quantisation of uint16 frames (PZF.md §6), checked as PYME does (PROTOCOL.md §7.2). */
export interface BackendQuantization {
  /** Camera offset in ADU, `>= 0`. */
  readonly offset: number
  /** Step in units of sqrt(ADU), `0.001 <= scale <= 100`. */
  readonly scale: number
}

/** Options shared by every backend. */
export interface SeriesBackendOptions {
  /** Frame size `[width, height]`: x extent (fastest-varying in the buffer), y extent. */
  readonly shape: readonly [width: number, height: number]
  /** Pixel type; frames must be the matching typed array. @default 'uint16' */
  readonly dtype?: PzfDtype
  /** PZF compression. @default 'huffman' (PYME's acquisition default) */
  readonly compression?: Exclude<PzfCompression, 'huffman-chunks'>
  /** Sqrt quantisation (uint16 + huffman only), or none. @default null */
  readonly quantization?: BackendQuantization | null
  /**
   * PYME's series shape `[X, Y, Z, T, C]` (-1 = unknown), giving `SizeZ`, `SizeT`, `SizeC`.
   * When Z, T and C are all known, frame indices must be below `Z * T * C`.
   * @default [width, height, 1, -1, 1] (a time series of unknown length, as PYMEAcquire)
   */
  readonly seriesShape?: readonly [x: number, y: number, z: number, t: number, c: number]
  /** Metadata `DimOrder`. @default 'XYCZT' */
  readonly dimOrder?: string
  /**
   * Initial metadata. A `MetaDataHandler` is used as the backend's `mdh` itself (shared, as
   * PYME shares it); a plain object is copied into a new one.
   * @default a new MetaDataHandler
   */
  readonly metadata?: MetaDataHandler | { readonly [key: string]: MetadataInput }
  /** Series id (`imageID`, PZF `SequenceID`), 1..2^53-1. @default random (`newSequenceId()`) */
  readonly sequenceId?: number
  /**
   * Where frames are encoded: `true` = a private `PzfEncoderPool` (worker threads, started
   * on the first frame, closed by `close()`), a pool instance = shared (never closed by the
   * backend), `false` = on the calling thread inside `storeFrame`.
   * @default true (MemoryBackend: false)
   */
  readonly pool?: boolean | PzfEncoderPool
  /**
   * `true`: the caller gives up each frame's buffer (it is transferred to a worker, no copy;
   * do not touch it again). `false`: the backend copies the frame once, so the caller may
   * reuse its buffer as soon as `storeFrame` returns.
   * @default false
   */
  readonly transfer?: boolean
  /**
   * Frames accepted and not yet stored (encoding, queued, in flight, in a spill journal)
   * before `storeFrame` returns false. With `overflow: 'spill'`, raise it so that the journal,
   * not this window, absorbs a node outage (each waiting frame keeps ~1.5 KB of bookkeeping).
   * @default 64, or for large frames as many as fit in 256 MiB (at least 8): 32 of 2048x2048 uint16
   */
  readonly maxPendingFrames?: number
  /** Pixel bytes waiting to be encoded before `storeFrame` returns false. @default 268435456 (256 MiB) */
  readonly maxPendingBytes?: number
  /**
   * `initialize()` creates and touches the memory raw frames are copied into: one buffer per
   * frame of the window (`maxPendingFrames`; at most the declared frame count and 256 MiB: a
   * window raised for a spill journal fills only in an outage), so that the
   * first frames of an acquisition cost what the rest do (fresh memory costs some 20 times a
   * copy into memory touched before). 256 MiB and about 0.2 s for 2048x2048 uint16. Raw frames
   * only; leave it off when frames are given up (`transfer`) or lent from `allocateFrame()`,
   * which need no copy.
   * @default true for raw frames without `transfer`, else false
   */
  readonly preallocate?: boolean
}

/** Validated options. */
export interface ResolvedBackendOptions {
  readonly width: number
  readonly height: number
  readonly pixels: number
  /** Bytes of one frame's pixels. */
  readonly frameBytes: number
  readonly dtype: PzfDtype
  readonly compression: 'raw' | 'huffman'
  readonly quantization: BackendQuantization | null
  readonly seriesShape: readonly [number, number, number, number, number]
  /** `Z * T * C` when all are known, else `Infinity`. */
  readonly declaredFrames: number
  readonly dimOrder: string
  readonly sequenceId: number
  readonly pool: boolean | PzfEncoderPool
  readonly transfer: boolean
  readonly maxPendingFrames: number
  readonly maxPendingBytes: number
  /** Frame buffers `initialize()` makes (0: off). */
  readonly preallocateFrames: number
}

const DTYPES: readonly PzfDtype[] = ['uint8', 'uint16', 'float32']

/** Every key of SeriesBackendOptions; each backend adds its own to check its options with. */
export const SERIES_BACKEND_OPTION_KEYS = {
  shape: true, dtype: true, compression: true, quantization: true, seriesShape: true, dimOrder: true, metadata: true,
  sequenceId: true, pool: true, transfer: true, maxPendingFrames: true, maxPendingBytes: true, preallocate: true
} as const satisfies Record<keyof SeriesBackendOptions, true>

/**
 * Refuses `options` unless it is an object whose keys are the common ones or `own` (the
 * backend's): a misspelt option fails the constructor instead of being ignored.
 */
export function checkBackendOptions (options: unknown, own: OptionKeys): void {
  if (options === undefined) throw new InvalidArgumentError('invalid options: expected an object with a shape')
  checkOptionsObject(options, { ...SERIES_BACKEND_OPTION_KEYS, ...own })
}

function positiveInt (v: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = integerOption(v, name, { min: 1, max, default: undefined })
  if (n === undefined) throw new InvalidArgumentError(`invalid ${name}: expected an integer from 1 to ${max}`)
  return n
}

function resolveQuantization (q: unknown, dtype: PzfDtype, compression: string): BackendQuantization | null {
  if (q === undefined || q === null) return null
  if (typeof q !== 'object') throw new InvalidArgumentError('invalid quantization: expected { offset, scale } or null')
  const { offset, scale } = q as Record<string, unknown>
  if (typeof offset !== 'number' || !Number.isFinite(offset) || offset < 0 || offset > 65535) {
    throw new InvalidArgumentError('invalid quantization.offset: expected a number 0..65535 (PYME requires offset >= 0)')
  }
  if (typeof scale !== 'number' || !(scale >= 0.001 && scale <= 100)) {
    throw new InvalidArgumentError('invalid quantization.scale: expected a number 0.001..100 (PYME\'s limits)')
  }
  if (dtype !== 'uint16') throw new InvalidArgumentError(`invalid quantization: only uint16 frames can be quantised (dtype is ${dtype})`)
  if (compression !== 'huffman') throw new InvalidArgumentError('invalid quantization: needs compression \'huffman\' (PYME writes unreadable raw + sqrt files)')
  return { offset, scale }
}

function resolveSeriesShape (v: unknown, width: number, height: number): [number, number, number, number, number] {
  if (v === undefined) return [width, height, 1, -1, 1]
  if (!Array.isArray(v) || v.length !== 5 || !v.every((d) => d === -1 || (Number.isSafeInteger(d) && d >= 1))) {
    throw new InvalidArgumentError('invalid seriesShape: expected [X, Y, Z, T, C], each a positive integer or -1')
  }
  const [x, y, z, t, c] = v as [number, number, number, number, number]
  if ((x !== -1 && x !== width) || (y !== -1 && y !== height)) {
    throw new InvalidArgumentError(`invalid seriesShape: X and Y must be -1 or equal shape [${width}, ${height}]`)
  }
  return [x, y, z, t, c]
}

function resolvePool (v: unknown): boolean | PzfEncoderPool {
  if (v === undefined) return true
  if (typeof v === 'boolean') return v
  if (typeof v === 'object' && v !== null && typeof (v as PzfEncoderPool).encode === 'function') return v as PzfEncoderPool
  throw new InvalidArgumentError('invalid pool: expected a boolean or a PzfEncoderPool')
}

/** Validates `options`; throws `InvalidArgumentError` naming the first bad option. */
export function resolveBackendOptions (options: SeriesBackendOptions): ResolvedBackendOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('invalid options: expected an object with a shape')
  const shape = options.shape as unknown
  if (!Array.isArray(shape) || shape.length !== 2) throw new InvalidArgumentError('invalid shape: expected [width, height]')
  const width = positiveInt(shape[0], 'shape (width)', 0xffffffff)
  const height = positiveInt(shape[1], 'shape (height)', 0xffffffff)
  if (width * height > 2 ** 28) throw new InvalidArgumentError('invalid shape: more than 2^28 pixels per frame')
  const dtype = options.dtype ?? 'uint16'
  if (!DTYPES.includes(dtype)) throw new InvalidArgumentError(`invalid dtype: expected one of ${DTYPES.join(', ')}`)
  const compression = options.compression ?? 'huffman'
  if (compression !== 'raw' && compression !== 'huffman') throw new InvalidArgumentError('invalid compression: expected \'huffman\' or \'raw\'')
  const quantization = resolveQuantization(options.quantization, dtype, compression)
  const seriesShape = resolveSeriesShape(options.seriesShape, width, height)
  const [, , z, t, c] = seriesShape
  const declaredFrames = z > 0 && t > 0 && c > 0 ? z * t * c : Infinity
  const dimOrder = options.dimOrder ?? 'XYCZT'
  if (typeof dimOrder !== 'string' || dimOrder === '') throw new InvalidArgumentError('invalid dimOrder: expected a non-empty string such as \'XYCZT\'')
  const sequenceId = options.sequenceId === undefined ? newSequenceId() : positiveInt(options.sequenceId, 'sequenceId', MAX_SEQUENCE_ID)
  const transfer = booleanOption(options.transfer, 'transfer', false)
  const preallocate = booleanOption(options.preallocate, 'preallocate', compression === 'raw' && !transfer)
  if (preallocate && compression !== 'raw') throw new InvalidArgumentError('invalid preallocate: only raw frames are copied into preallocated memory (Huffman frames are staged for the encoder)')
  const frameBytes = width * height * bytesPerPixel[dtype]
  const maxPendingFrames = integerOption(options.maxPendingFrames, 'maxPendingFrames', { min: 1, max: Number.MAX_SAFE_INTEGER, default: defaultPendingFrames(frameBytes) })
  return {
    width,
    height,
    pixels: width * height,
    frameBytes,
    dtype,
    compression,
    quantization,
    seriesShape,
    declaredFrames,
    dimOrder,
    sequenceId,
    pool: resolvePool(options.pool),
    transfer,
    maxPendingFrames,
    maxPendingBytes: byteSizeOption(options.maxPendingBytes, 'maxPendingBytes', { min: 1, max: Number.MAX_SAFE_INTEGER, default: 2 ** 28 }),
    preallocateFrames: preallocate ? Math.min(maxPendingFrames, declaredFrames, Math.max(1, Math.floor(DEFAULT_PENDING_BYTES / frameBytes))) : 0
  }
}

/** Frame bytes the default window holds at most (a frame each, 64 frames at most, 8 at least). */
const DEFAULT_PENDING_BYTES = 2 ** 28

/**
 * The default `maxPendingFrames`: 64, fewer when 64 frames would hold more than 256 MiB. Each
 * pending frame of a copying backend holds a frame-sized buffer, and each buffer the window
 * adds is fresh memory (on the machines measured, about 20 times the cost of a copy into
 * memory touched before): 64 frames of 2048x2048 uint16 were 537 MB, allocated while the
 * camera ran. 8 frames still cover the transport's window of bytes in flight (64 MiB).
 */
function defaultPendingFrames (frameBytes: number): number {
  return Math.max(8, Math.min(64, Math.floor(DEFAULT_PENDING_BYTES / Math.max(1, frameBytes))))
}
