/**
 * The demo's read-back check, run as a `PzfEncoderPool` filter on worker threads so that
 * decoding (the expensive part) uses every core: decodes one stored PZF file and compares it
 * with the frame the simulated camera produced, bit for bit (lossless) or within the sqrt
 * quantiser's bound (PZF.md §6).
 *
 * Result: a `Float64Array [status, worst]` as bytes; `status` 0 = good, 1 = wrong header
 * (frame number, sequence id, type, shape or order), 2 = pixels differ; `worst` = largest
 * |pixel - decoded| as a fraction of the bound (quantised frames; 0 when lossless).
 * (Below the offset a pixel must decode to the offset exactly.)
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
 * every pixel decodes to the offset (the check demands exactly that); above it the level is
 * within half a step of sqrt(d - offset) / scale, i.e. scale * sqrt(d - offset) + scale^2 / 4
 * ADU, plus 1 for the truncating cast.
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
  const { expect, inverse } = boundTable(q.offset, q.scale)
  let worst = 0
  for (let i = 0; i < want.length; i++) {
    const d = want[i] as number
    const e = Math.abs((expect[d] as number) - (got[i] as number)) * (inverse[d] as number)
    if (e > worst) worst = e
  }
  return result(worst <= 1 ? VERIFY_OK : VERIFY_DIFFERS, worst)
}

let table: { offset: number, scale: number, expect: Uint16Array, inverse: Float64Array } | null = null

/**
 * Per pixel value `d`: what it must decode to exactly (the offset, below it) or about (itself),
 * and 1 / the allowed error, so the check is one multiply per pixel. A pixel below the offset
 * that does not decode to the offset exactly gets an error far above the bound.
 */
function boundTable (offset: number, scale: number): { expect: Uint16Array, inverse: Float64Array } {
  if (table?.offset === offset && table.scale === scale) return table
  const expect = new Uint16Array(65536)
  const inverse = new Float64Array(65536)
  for (let d = 0; d < 65536; d++) {
    const below = d < offset
    expect[d] = below ? Math.min(65535, Math.trunc(Math.fround(offset))) : d // level 0 decodes to trunc(float32(offset))
    inverse[d] = below ? 1e300 : 1 / quantisationBound(d, offset, scale)
  }
  table = { offset, scale, expect, inverse }
  return table
}
