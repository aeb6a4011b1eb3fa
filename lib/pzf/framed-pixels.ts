/**
 * Frame memory with room for a PZF header in front of the pixels (`allocateFramed`). A raw
 * frame in such memory becomes a whole PZF file by writing its 64-byte header in front: a
 * backend or Streamer that is given the buffer (`transfer`, or lent with a `release` callback)
 * sends header and pixels as one contiguous body, with no copy.
 *
 * ```
 *   ArrayBuffer  [ 64 bytes: PZF header ][ pixels: the typed array the caller fills ]
 *                 └──────── framedFile(pixels): the file, as one Uint8Array ───────┘
 * ```
 *
 * Only memory allocated here is ever written in front of a caller's pixels: a registry of these
 * ArrayBuffers tells them apart from a view into some other buffer (whose bytes before the view
 * belong to someone else).
 */
import { InvalidArgumentError } from '../errors.js'
import { bytesPerPixel, PZF_HEADER_LENGTH, type PzfDtype, type PzfPixels, type PzfPixelsOf } from './format.js'

const allocated = new WeakSet<ArrayBufferLike>()

/**
 * A typed array of `length` pixels of `dtype` (zeroed) with room for a PZF header in front of it
 * in the same ArrayBuffer. Fill it and hand it over as usual; raw frames in it are sent without
 * a copy when the buffer is given up (`transfer`) or lent (`storeFrame(n, frame, release)`).
 * @throws InvalidArgumentError for a bad length or dtype.
 * @example
 * const frame = allocateFramed(2048 * 2048, 'uint16')
 */
export function allocateFramed<D extends PzfDtype> (length: number, dtype: D): PzfPixelsOf<D> {
  if (!Number.isSafeInteger(length) || length < 1) throw new InvalidArgumentError('invalid length: expected a positive integer number of pixels')
  const size = bytesPerPixel[dtype]
  if (size === undefined) throw new InvalidArgumentError(`invalid dtype: expected one of ${Object.keys(bytesPerPixel).join(', ')}`)
  const buffer = new ArrayBuffer(PZF_HEADER_LENGTH + length * size)
  allocated.add(buffer)
  const px = dtype === 'uint8'
    ? new Uint8Array(buffer, PZF_HEADER_LENGTH, length)
    : dtype === 'uint16' ? new Uint16Array(buffer, PZF_HEADER_LENGTH, length) : new Float32Array(buffer, PZF_HEADER_LENGTH, length)
  return px as PzfPixelsOf<D>
}

/**
 * The whole file region (header room and pixels) of pixels from {@link allocateFramed}, as they
 * were allocated; null for any other typed array (or a sub-view of framed memory).
 */
export function framedFile (px: PzfPixels): Uint8Array | null {
  if (px.byteOffset !== PZF_HEADER_LENGTH || px.buffer.byteLength !== PZF_HEADER_LENGTH + px.byteLength || !allocated.has(px.buffer)) return null
  return new Uint8Array(px.buffer, 0, px.buffer.byteLength)
}
