/**
 * FrameDecoder: decodes on worker threads, one decode per frame however many ask, cached,
 * never more than maxInFlight frames read or decoded at once, frames of another geometry refused.
 */
import t from 'tap'
import { FrameDecoder } from '../../lib/console/frame-decoder.js'
import { DestroyedError, InvalidArgumentError, SeriesFormatError } from '../../lib/errors.js'
import { encodePzf } from '../../lib/pzf/encode-pzf.js'

const W = 16
const H = 8
const geometry = { width: W, height: H, depth: 1, dtype: 'uint16', dimOrder: 'F' } as const

function pzf (n: number, w = W, h = H): Uint8Array {
  const px = new Uint16Array(w * h).map((_, i) => n * 100 + i)
  return encodePzf(px, { shape: [w, h], dimOrder: 'F', frameNum: n })
}

t.test('decodes, shares and caches', async (t) => {
  const d = new FrameDecoder({ threads: 1, cacheBytes: 1 << 20 })
  t.teardown(() => d.close())
  let reads = 0
  const read = async (): Promise<Uint8Array> => { reads++; return pzf(3) }
  const [a, b] = await Promise.all([d.frame('s\u00003', read, geometry), d.frame('s\u00003', read, geometry)])
  t.equal(a, b, 'one decode for two readers')
  t.equal(reads, 1)
  t.same(Array.from(new Uint16Array(a.buffer, a.byteOffset, 4)), [300, 301, 302, 303])
  t.equal(await d.frame('s\u00003', read, geometry), a, 'then from the cache')
  t.equal(reads, 1)
  t.equal(d.decoded, 1)
  t.equal(d.peek('s\u00003'), a)
  t.equal(d.peek('s\u00004'), undefined)
})

t.test('at most maxInFlight frames at once, the rest wait in order', async (t) => {
  const d = new FrameDecoder({ threads: 2, maxInFlight: 3, cacheBytes: 0 })
  t.teardown(() => d.close())
  let running = 0
  let peak = 0
  // Each read waits on a gate; the test takes the gates as reads start (a channel, no polling).
  const gates: Array<() => void> = []
  const takers: Array<(gate: () => void) => void> = []
  const nextGate = async (): Promise<() => void> => await new Promise((resolve) => {
    const gate = gates.shift()
    if (gate !== undefined) resolve(gate)
    else takers.push(resolve)
  })
  const read = (n: number) => async (): Promise<Uint8Array> => {
    running++
    peak = Math.max(peak, running)
    await new Promise<void>((resolve) => {
      const taker = takers.shift()
      if (taker !== undefined) taker(resolve)
      else gates.push(resolve)
    })
    running--
    return pzf(n)
  }
  const all = Array.from({ length: 10 }, async (_, n) => await d.frame(`k${n}`, read(n), geometry))
  // Open the gates one by one as reads start: never more than three reads are waiting.
  for (let opened = 0; opened < 10; opened++) {
    const gate = await nextGate()
    t.ok(d.inFlight <= 3)
    gate()
  }
  const frames = await Promise.all(all)
  t.equal(peak, 3)
  frames.forEach((f, n) => t.equal(new Uint16Array(f.buffer, f.byteOffset, 1)[0], n * 100))
  t.equal(d.peek('k1'), undefined, 'cacheBytes 0 keeps nothing')
})

t.test('a frame of another shape is a SeriesFormatError; a failed read is not cached', async (t) => {
  const d = new FrameDecoder({ threads: 1 })
  t.teardown(() => d.close())
  await t.rejects(d.frame('x', async () => pzf(1, W + 1, H), geometry), SeriesFormatError)
  await t.rejects(d.frame('y', async () => { throw new Error('gone') }, geometry), /gone/)
  t.same(Array.from((await d.frame('y', async () => pzf(2), geometry)).subarray(0, 2)), [200, 0], 'asked again, read again')
  t.equal(d.inFlight, 0, 'slots released after failures')
})

t.test('options and destroy', async (t) => {
  for (const o of [{ threads: 0 }, { threads: 1.5 }, { maxInFlight: 0 }, { cacheBytes: -1 }]) t.throws(() => new FrameDecoder(o), InvalidArgumentError)
  const d = new FrameDecoder({ threads: 1 })
  t.ok(d.threads >= 1 && d.maxInFlight === d.threads * 2)
  const pending = d.frame('z', async () => pzf(1), geometry)
  await new Promise((resolve) => setImmediate(resolve))
  d.destroy()
  await t.rejects(pending, DestroyedError)
  const defaults = new FrameDecoder()
  t.ok(defaults.threads >= 1 && defaults.threads <= 8)
  await defaults.close()
})
