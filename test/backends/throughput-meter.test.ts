/**
 * ThroughputMeter: the rates of `stats().rate`/`averageRate` and of the demo, over explicit
 * times (the meter takes `now` from its caller, so no clock is involved).
 */
import t from 'tap'
import { throughput, ThroughputMeter } from '../../lib/backends/throughput-meter.js'
import { MemoryBackend } from '../../lib/backends/memory-backend.js'
import { cameraFrame } from './frames.js'

t.test('throughput: counts over a span', async (t) => {
  t.same(throughput(50, 100e6, 40e6, 2000), { framesPerSecond: 25, rawBytesPerSecond: 50e6, wireBytesPerSecond: 20e6, spanMs: 2000 })
  t.same(throughput(5, 1, 1, 0), { framesPerSecond: 0, rawBytesPerSecond: 0, wireBytesPerSecond: 0, spanMs: 0 }, 'no span, no rate')
})

t.test('recent rates follow the last window; a stall falls to 0; the average spans everything', async (t) => {
  const m = new ThroughputMeter(1000, 100)
  t.same(m.recent(0, 0, 0, 0).framesPerSecond, 0, 'nothing measured yet')
  m.start(0)
  // 100 frames/s (1 MB raw, 0.5 MB wire each) for 3 s, one sample per 10 ms (most are skipped).
  for (let now = 10; now <= 3000; now += 10) m.sample(now, now / 10, now / 10 * 1e6, now / 10 * 5e5)
  const r = m.recent(3000, 300, 300e6, 150e6)
  t.ok(Math.abs(r.framesPerSecond - 100) < 1e-9, `${r.framesPerSecond} fps`)
  t.ok(Math.abs(r.rawBytesPerSecond - 100e6) < 1e-3)
  t.ok(Math.abs(r.wireBytesPerSecond - 50e6) < 1e-3)
  t.ok(r.spanMs >= 900 && r.spanMs <= 1000, `over the last window (${r.spanMs} ms)`)
  // Then 10 frames/s for 2 s.
  for (let now = 3010; now <= 5000; now += 10) m.sample(now, 300 + (now - 3000) / 100, 0, 0)
  t.ok(Math.abs(m.recent(5000, 320, 0, 0).framesPerSecond - 10) < 1e-9, 'the new rate, not the old one')
  t.ok(Math.abs(m.average(5000, 320, 0, 0).framesPerSecond - 64) < 1e-9, 'the average since start')
  t.equal(m.recent(9000, 320, 0, 0).framesPerSecond, 0, 'nothing stored for longer than the window: 0')
})

t.test('a backend\'s stats() carries its rates', async (t) => {
  const b = new MemoryBackend({ shape: [16, 8], pool: false })
  t.same(b.stats().rate.framesPerSecond, 0)
  await b.initialize()
  for (let n = 0; n < 20; n++) b.storeFrame(n, cameraFrame(16, 8, n))
  await b.finalize()
  const { rate, averageRate, framesStored } = b.stats()
  t.equal(framesStored, 20)
  t.ok(averageRate.framesPerSecond > 0 && averageRate.spanMs > 0)
  t.ok(Math.abs(averageRate.rawBytesPerSecond - averageRate.framesPerSecond * 16 * 8 * 2) < 1e-6, 'raw: frames x pixel bytes')
  t.ok(averageRate.wireBytesPerSecond > 0)
  t.ok(rate.spanMs >= 0 && Math.abs(rate.rawBytesPerSecond - rate.framesPerSecond * 16 * 8 * 2) < 1e-6)
})
