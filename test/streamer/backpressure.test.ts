/**
 * Bounded memory: the byte budget is never exceeded, `put` signals when to wait, `ready()` and
 * `'drain'` say when to go on, and a single oversized file passes only alone.
 */
import t from 'tap'
import { once } from 'node:events'
import { startDataServers } from '../helpers/data-servers.js'
import { Streamer } from '../../lib/streamer/streamer.js'

const KiB = 1024
const MiB = 1024 * KiB

t.test('block: buffered bytes never exceed the budget; put → false → drain', async (t) => {
  const [server] = await startDataServers(t, 1, { testDelayMs: 2 })
  const budget = 256 * KiB
  const s = new Streamer({ servers: [server!.url], memoryBudget: budget, pipelining: 4 })
  let falses = 0
  let maxBuffered = 0
  for (let i = 0; i < 60; i++) {
    const ok = s.put(`bp/f${i}`, Buffer.alloc(20 * KiB, i), { index: i })
    maxBuffered = Math.max(maxBuffered, s.stats().bufferedBytes)
    if (!ok) {
      falses++
      // Ignoring the signal is refused: nothing is taken beyond the budget.
      if (falses === 1) {
        t.throws(() => s.put('bp/ignored', Buffer.alloc(200 * KiB)), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /memory budget full/ })
      }
      if (falses % 2 === 0) await once(s, 'drain')
      else await s.ready()
    }
  }
  const report = await s.close()
  t.equal(report.files, 60)
  t.ok(falses > 0, `put returned false ${falses} times`)
  t.ok(maxBuffered <= budget, `max buffered ${maxBuffered} ≤ ${budget}`)
  t.ok(s.stats().peakBufferedBytes <= budget, 'peak within the budget')
})

t.test('a file larger than the budget goes alone', async (t) => {
  const [server] = await startDataServers(t, 1)
  const s = new Streamer({ servers: [server!.url], memoryBudget: 64 * KiB })
  t.equal(s.put('big/small0', Buffer.alloc(10 * KiB)), true)
  t.throws(() => s.put('big/huge', Buffer.alloc(100 * KiB)), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /larger than memoryBudget/ })
  await s.ready(100 * KiB)
  t.equal(s.stats().bufferedBytes, 0, 'ready(bigger than budget) waits until nothing is held')
  t.equal(s.put('big/huge', Buffer.alloc(100 * KiB)), false, 'accepted alone; the next put must wait')
  await s.ready(1)
  const ack = await s.putAsync('big/after', Buffer.from('x'))
  t.equal(ack.path, 'big/after')
  const report = await s.close()
  t.equal(report.files, 3)
})

t.test('putAsync waits for room and resolves on the acknowledgement', async (t) => {
  const [server] = await startDataServers(t, 1, { testDelayMs: 1 })
  const s = new Streamer({ servers: [server!.url], memoryBudget: 64 * KiB })
  const pending: Promise<unknown>[] = []
  let maxBuffered = 0
  for (let i = 0; i < 30; i++) {
    pending.push(s.putAsync(`pa/f${i}`, Buffer.alloc(16 * KiB, i), { index: i }).then((ack) => {
      maxBuffered = Math.max(maxBuffered, s.stats().bufferedBytes)
      return ack
    }))
  }
  const acks = await Promise.all(pending)
  t.equal(acks.length, 30)
  t.ok(maxBuffered <= 64 * KiB)
  t.equal((await s.close()).files, 30)
})

t.test('RSS stays bounded while 160 MiB stream through a 16 MiB budget', async (t) => {
  const [server] = await startDataServers(t, 1)
  const s = new Streamer({ servers: [server!.url], memoryBudget: 16 * MiB })
  global.gc?.()
  const base = process.memoryUsage().rss
  let peak = base
  for (let i = 0; i < 160; i++) {
    // A fresh buffer per frame, as a camera hands them out.
    const frame = Buffer.allocUnsafe(MiB).fill(i & 0xff)
    if (!s.put(`rss/f${i}`, frame, { index: i })) await s.ready()
    if (i % 16 === 0) {
      global.gc?.()
      peak = Math.max(peak, process.memoryUsage().rss)
    }
  }
  const report = await s.close()
  t.equal(report.files, 160)
  t.ok(s.stats().peakBufferedBytes <= 16 * MiB)
  const growth = (peak - base) / MiB
  t.comment(`RSS growth ${growth.toFixed(1)} MiB`)
  t.ok(growth < 16 + 96, 'RSS growth bounded by the budget plus a margin')
})
