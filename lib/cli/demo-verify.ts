/**
 * The demo's read-back check, run as a `PzfEncoderPool` filter on worker threads so that
 * decoding (the expensive part) uses every core: decodes one stored PZF file and compares it
 * with the frame the simulated camera produced, bit for bit (lossless) or within the sqrt
 * quantiser's bound (PZF.md §6).
 *
 * Result: a `Float64Array [status, worst]` as bytes; `status` 0 = good, 1 = wrong header
 * (frame number, sequence id, type, shape or order), 2 = pixels differ; `worst` = largest
 * |pixel - decoded| as a fraction of the bound (quantised frames; 0 when lossless).
 */
import { decodePzf } from '../pzf/decode-pzf.js'
import { expectedFrame, type DemoCameraSpec } from './demo-camera.js'

/** What the check of one frame is told. */
export interface DemoVerifyArg extends DemoCameraSpec {
  /** The frame index the file was stored as. */
  readonly n: number
  readonly sequenceId: number
  readonly quantization: { readonly offset: number, readonly scale: number } | null
}

export const VERIFY_OK = 0
export const VERIFY_BAD_HEADER = 1
export const VERIFY_DIFFERS = 2

/**
 * Largest |d - decoded| the sqrt quantiser may leave at pixel value `d`: below the offset
 * every pixel decodes to the offset; above it the level is within half a step of
 * sqrt(d - offset) / scale, i.e. scale * sqrt(d - offset) + scale^2 / 4 ADU, plus 1 for the
 * truncating cast.
 */
export function quantisationBound (d: number, offset: number, scale: number): number {
  return d < offset ? offset - d : scale * Math.sqrt(d - offset) + scale * scale / 4 + 1
}

function result (status: number, worst: number): Uint8Array {
  return new Uint8Array(Float64Array.of(status, worst).buffer)
}

/** Checks one stored frame (see the file comment). */
export function verifyDemoFrame (bytes: Uint8Array, arg: DemoVerifyArg): Uint8Array {
  const f = decodePzf(bytes)
  const h = f.header
  if (h.frameNum !== arg.n || h.sequenceId !== BigInt(arg.sequenceId) || f.dtype !== 'uint16' || f.dimOrder !== 'F' ||
      f.shape[0] !== arg.width || f.shape[1] !== arg.height || f.shape[2] !== 1) {
    return result(VERIFY_BAD_HEADER, 0)
  }
  const want = expectedFrame(arg, arg.n)
  const got = f.data as Uint16Array
  const q = arg.quantization
  if (q === null) {
    const same = Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))
    return result(same ? VERIFY_OK : VERIFY_DIFFERS, 0)
  }
  let worst = 0
  for (let i = 0; i < want.length; i++) {
    const d = want[i] as number
    const e = Math.abs(d - (got[i] as number)) / quantisationBound(d, q.offset, q.scale)
    if (e > worst) worst = e
  }
  return result(worst <= 1 ? VERIFY_OK : VERIFY_DIFFERS, worst)
}
