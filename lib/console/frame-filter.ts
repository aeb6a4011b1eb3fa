/**
 * Runs on the decode worker threads (a `PzfEncoderPool.runFilter` module): PZF bytes in, the
 * frame's TIFF pages out, in a fresh buffer that is transferred back without a copy.
 */
import { decodePzf } from '../pzf/decode-pzf.js'
import { framePages, geometryMismatch, type FrameGeometry } from './frame-pages.js'

/** `arg` is the series' geometry: a frame of another shape or type is refused. */
export function tiffFrame (bytes: Uint8Array, arg: unknown): Uint8Array {
  const geometry = arg as FrameGeometry
  const decoded = decodePzf(bytes)
  const wrong = geometryMismatch(geometry, decoded)
  if (wrong !== undefined) throw new TypeError(wrong)
  return framePages(decoded)
}
