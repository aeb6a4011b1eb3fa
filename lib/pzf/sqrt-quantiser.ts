/**
 * Square-root quantisation of uint16 pixels to 8-bit levels and back, emulating
 * pymecompress `quantize_u16` (scalar build) and PYME's de-quantiser in float32.
 * Spec: shared/spec/PZF.md §6.
 *
 * Both directions are table look-ups: a uint16 pixel has 65,536 possible values and a
 * level 256, so a table per (offset, scale) makes the per-pixel cost one load.
 * ```
 *   encode: level = round_half_away(f32(f32(1/scale) * sqrtf(f32(d - offset))))   (NaN -> 0)
 *           PYME wraps levels > 255 modulo 256; we saturate at 255 unless pymeExact
 *   decode: value = cast(f32(f32(f32(level * scale)^2) + offset))   (truncate, wrap to dtype)
 * ```
 */
import type { PzfDtype } from './format.js'

const f32 = Math.fround

/** Quantisation level of one uint16 value (PZF.md §6.1), before the cast to uint8. */
function level (d: number, off32: number, qs32: number): number {
  const x = f32(d - off32)
  // x < 0 gives sqrtf(x) = NaN in C, which converts to 0.
  if (!(x >= 0)) return 0
  const v = f32(qs32 * f32(Math.sqrt(x)))
  // roundf (half away from zero); exact in double arithmetic for v >= 0.
  return Math.floor(v + 0.5)
}

/**
 * The 65,536-entry quantisation table for float32 `offset` and `scale`.
 * `pymeExact` wraps levels above 255 modulo 256 as PYME does (silent corruption of bright
 * pixels); otherwise they saturate at 255. Both agree wherever PYME does not overflow.
 */
export function quantisationTable (offset: number, scale: number, pymeExact: boolean): Uint8Array {
  const cached = lastTable
  if (cached !== null && cached.offset === offset && cached.scale === scale && cached.pymeExact === pymeExact) {
    return cached.table
  }
  const off32 = f32(offset)
  const qs32 = f32(1 / f32(scale))
  const table = new Uint8Array(65536)
  for (let d = 0; d < 65536; d++) {
    const r = level(d, off32, qs32)
    table[d] = pymeExact ? r & 0xff : (r > 255 ? 255 : r)
  }
  lastTable = { offset, scale, pymeExact, table }
  return table
}

// Acquisition keeps one setting for a whole series: cache the last table (one per thread).
let lastTable: { offset: number, scale: number, pymeExact: boolean, table: Uint8Array } | null = null

/** Quantises `src` through `table` into `out[0 .. src.length)` (one byte per pixel). */
export function quantise (src: Uint16Array, table: Uint8Array, out: Uint8Array): void {
  for (let i = 0; i < src.length; i++) out[i] = table[src[i] as number] as number
}

/**
 * The 256-entry de-quantisation table for the header's float32 `scale` and `offset`,
 * cast to `dtype` as NumPy `astype` does on x86-64: truncate toward zero, wrap to the
 * type's width; NaN and values beyond the int32 range give 0. float32 keeps the value.
 */
export function dequantisationTable (scale: number, offset: number, dtype: PzfDtype): Uint8Array | Uint16Array | Float32Array {
  const table = dtype === 'uint8' ? new Uint8Array(256) : dtype === 'uint16' ? new Uint16Array(256) : new Float32Array(256)
  const sc = f32(scale)
  const off = f32(offset)
  for (let q = 0; q < 256; q++) {
    const f = f32(q * sc)
    const v = f32(f32(f * f) + off)
    if (dtype === 'float32') {
      table[q] = v
    } else {
      const t = Math.trunc(v)
      table[q] = Number.isFinite(t) && Math.abs(t) < 2 ** 31 ? t : 0
    }
  }
  return table
}

/** Maps levels `q` through a de-quantisation table into `out`. */
export function dequantise (q: Uint8Array, table: Uint8Array | Uint16Array | Float32Array,
  out: Uint8Array | Uint16Array | Float32Array): void {
  for (let i = 0; i < q.length; i++) out[i] = table[q[i] as number] as number
}
