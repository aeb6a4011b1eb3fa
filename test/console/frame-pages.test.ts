import t from 'tap'
import { framePages, geometryMismatch } from '../../lib/console/frame-pages.js'
import { tiffFrame } from '../../lib/console/frame-filter.js'
import { decodePzf } from '../../lib/pzf/decode-pzf.js'
import { encodePzf } from '../../lib/pzf/encode-pzf.js'

/** Value of pixel (x, y, z). */
const v = (x: number, y: number, z: number): number => x + 100 * y + 10000 * z

function stack (w: number, h: number, d: number, order: 'C' | 'F'): Uint16Array {
  const out = new Uint16Array(w * h * d)
  for (let z = 0; z < d; z++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[order === 'F' ? x + w * (y + h * z) : z + d * (y + h * x)] = v(x, y, z)
  return out
}

function tiffOrder (w: number, h: number, d: number): Uint16Array {
  return stack(w, h, d, 'F')
}

t.test('F order is a view, C order is transposed (2-D and 3-D, tile edges)', async (t) => {
  for (const [w, h, d] of [[70, 45, 1], [33, 31, 1], [5, 4, 3], [1, 9, 1], [9, 1, 1]] as const) {
    for (const order of ['F', 'C'] as const) {
      const decoded = decodePzf(encodePzf(stack(w, h, d, order), { shape: [w, h, d], dimOrder: order }))
      const pages = framePages(decoded)
      t.same(new Uint16Array(pages.buffer, pages.byteOffset, pages.byteLength / 2), tiffOrder(w, h, d), `${w}x${h}x${d} ${order}`)
      if (order === 'F') t.equal(pages.buffer, decoded.data.buffer, 'no copy')
    }
  }
})

t.test('the worker filter refuses a frame of another geometry', async (t) => {
  const bytes = encodePzf(stack(4, 3, 1, 'F'), { shape: [4, 3], dimOrder: 'F', frameNum: 9 })
  const g = { width: 4, height: 3, depth: 1, dtype: 'uint16', dimOrder: 'F' } as const
  t.same(tiffFrame(bytes, g).length, 24)
  t.throws(() => tiffFrame(bytes, { ...g, width: 3, height: 4 }), /frame 9 is 4x3x1 uint16, the series is 3x4x1 uint16/)
  t.equal(geometryMismatch(g, decodePzf(bytes)), undefined)
  t.match(geometryMismatch({ ...g, dtype: 'uint8' }, decodePzf(bytes)), /uint8/)
})
