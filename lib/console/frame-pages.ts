/**
 * A decoded PZF frame as TIFF pages: x fastest, rows of constant y, planes one after the other
 * (`x + W*(y + H*z)`). PYME indexes frames `[x, y, z]`; a frame stored in `F` order (what our
 * writers and cameras produce) is already in that order and is returned as a view, with no
 * copy; a `C`-order frame (`z + D*(y + H*x)`) is transposed once, in 32x32 tiles.
 */
import type { DecodedPzf } from '../pzf/decode-pzf.js'
import type { PzfDimOrder, PzfDtype, PzfPixels } from '../pzf/format.js'

/** The fixed shape of every frame of a series (from its first frame's header). */
export interface FrameGeometry {
  readonly width: number
  readonly height: number
  readonly depth: number
  readonly dtype: PzfDtype
  readonly dimOrder: PzfDimOrder
}

const TILE = 32

function same (a: FrameGeometry, d: DecodedPzf): boolean {
  return d.shape[0] === a.width && d.shape[1] === a.height && d.shape[2] === a.depth && d.dtype === a.dtype
}

/** Describes a frame that does not fit the series' geometry (the caller turns it into an error). */
export function geometryMismatch (g: FrameGeometry, d: DecodedPzf): string | undefined {
  if (same(g, d)) return undefined
  return `frame ${d.header.frameNum} is ${d.shape.join('x')} ${d.dtype}, the series is ${g.width}x${g.height}x${g.depth} ${g.dtype}`
}

/** The pages of one frame, in TIFF order, as bytes (a view of `d.data` for `F` order). */
export function framePages (d: DecodedPzf): Uint8Array {
  const src = d.data
  if (d.dimOrder === 'F' || d.shape[0] === 1 || (d.shape[1] === 1 && d.shape[2] === 1)) {
    return new Uint8Array(src.buffer, src.byteOffset, src.byteLength)
  }
  const [w, h, depth] = d.shape
  const out = new (src.constructor as new (n: number) => PzfPixels)(src.length)
  if (depth === 1) {
    // out[x + w*y] = src[y + h*x]: a transpose, tiled so that both sides stay in cache.
    for (let y0 = 0; y0 < h; y0 += TILE) {
      const y1 = Math.min(h, y0 + TILE)
      for (let x0 = 0; x0 < w; x0 += TILE) {
        const x1 = Math.min(w, x0 + TILE)
        for (let y = y0; y < y1; y++) {
          let o = x0 + w * y
          for (let x = x0; x < x1; x++) out[o++] = src[y + h * x] as number
        }
      }
    }
  } else {
    let o = 0
    for (let z = 0; z < depth; z++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) out[o++] = src[z + depth * (y + h * x)] as number
      }
    }
  }
  return new Uint8Array(out.buffer, 0, out.byteLength)
}
