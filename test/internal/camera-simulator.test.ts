import t from 'tap'
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'
import { InvalidArgumentError } from '../../lib/errors.js'
import { sameBytes } from '../pzf/same-bytes.js'

function stats (a: Uint16Array): { mean: number, sd: number, max: number, median: number } {
  let s = 0
  let s2 = 0
  let max = 0
  for (const v of a) { s += v; s2 += v * v; if (v > max) max = v }
  const mean = s / a.length
  const median = a.slice().sort()[a.length >> 1] as number
  return { mean, sd: Math.sqrt(s2 / a.length - mean * mean), max, median }
}

t.test('deterministic per (seed, frame), different across them', async (t) => {
  const a = makeCameraFrame(128, 96, { seed: 42 })
  t.equal(a.length, 128 * 96)
  t.ok(sameBytes(makeCameraFrame(128, 96, { seed: 42 }), a), 'same seed, same frame')
  t.notOk(sameBytes(makeCameraFrame(128, 96, { seed: 42, frame: 1 }), a), 'another frame')
  t.notOk(sameBytes(makeCameraFrame(128, 96, { seed: 43 }), a), 'another seed')
  // A pinned checksum: a change of algorithm changes benchmark inputs, and must be deliberate.
  let h = 0
  for (const v of a) h = (Math.imul(h, 31) + v) >>> 0
  t.equal(h, 3179247822, 'pinned checksum')
  t.same(makeCameraFrame(1, 1, { seed: 1 }).length, 1, 'odd pixel count')
  t.same(makeCameraFrame(0, 5, { seed: 1 }).length, 0, 'empty frame')
})

t.test('camera-like statistics', async (t) => {
  const a = makeCameraFrame(512, 512, { seed: 7, spots: 0 })
  const s = stats(a)
  // offset 100 + gain 2 * background 10; sd = sqrt(4 * 10 + 1.5^2) = 6.5
  t.ok(Math.abs(s.mean - 120) < 0.2, `mean ${s.mean}`)
  t.ok(Math.abs(s.sd - 6.5) < 0.2, `sd ${s.sd}`)
  const withSpots = stats(makeCameraFrame(512, 512, { seed: 7, spots: 20 }))
  t.ok(withSpots.max > 250, `bright spots: max ${withSpots.max}`)
  t.equal(withSpots.median, s.median, 'spots are sparse')
  const dark = stats(makeCameraFrame(256, 256, { seed: 1, offset: 0, background: 0, readNoise: 0, spots: 0 }))
  t.equal(dark.max, 0, 'no signal, no noise: zeros')
  const hot = stats(makeCameraFrame(64, 64, { seed: 1, offset: 60000, background: 1e4, gain: 100, spots: 0 }))
  t.equal(hot.max, 65535, 'clamped at 65535')
})

t.test('bad arguments', async (t) => {
  t.throws(() => makeCameraFrame(-1, 5, { seed: 1 }), InvalidArgumentError)
  t.throws(() => makeCameraFrame(2.5, 5, { seed: 1 }), InvalidArgumentError)
  t.throws(() => makeCameraFrame(5, 5, { seed: 1.5 }), { message: /seed/ })
  t.throws(() => makeCameraFrame(5, 5, null as never), InvalidArgumentError)
  t.throws(() => makeCameraFrame(5, 5, { seed: 1, offset: -1 }), { message: /offset/ })
  t.throws(() => makeCameraFrame(5, 5, { seed: 1, spots: Number.NaN }), { message: /spots/ })
})
