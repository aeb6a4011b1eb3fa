// AckTicker in virtual time: one tick per interval (a quarter of the ack timeout, 10 to 500 ms),
// a late tick (the loop was blocked) excuses instead of checking, stop() ends the ticking.
import t from 'tap'
import { AckTicker } from '../../lib/streamer/ack-ticker.js'
import { VirtualClock } from '../helpers/virtual-clock.js'

function record (clock: VirtualClock, ackTimeoutMs: number): { ticker: AckTicker, ticks: number[], stalls: number[] } {
  const ticks: number[] = []
  const stalls: number[] = []
  const ticker = new AckTicker(ackTimeoutMs, { tick: (now) => { ticks.push(now) }, stalled: (now) => { stalls.push(now) } }, clock)
  return { ticker, ticks, stalls }
}

t.test('ticks every quarter of the ack timeout, bounded to 10..500 ms', async (t) => {
  const clock = new VirtualClock()
  const start = clock.now()
  const { ticker, ticks, stalls } = record(clock, 2000)
  t.equal(ticker.intervalMs, 500)
  t.equal(ticker.now, start, 'now is the clock at construction until the first tick')
  clock.advance(499)
  t.same(ticks, [], 'nothing before the first interval')
  clock.advance(1)
  clock.advance(1500)
  t.same(ticks.map((n) => n - start), [500, 1000, 1500, 2000])
  t.equal(ticker.now, start + 2000, 'now follows the ticks')
  t.same(stalls, [])
  ticker.stop()
  t.equal(new AckTicker(10, { tick () {}, stalled () {} }, clock).intervalMs, 10, 'at least 10 ms')
  t.equal(new AckTicker(60_000, { tick () {}, stalled () {} }, clock).intervalMs, 500, 'at most 500 ms')
  t.equal(new AckTicker(400, { tick () {}, stalled () {} }, clock).intervalMs, 100)
})

t.test('a tick that comes late excuses the nodes instead of timing them out', async (t) => {
  const clock = new VirtualClock()
  const { ticker, ticks, stalls } = record(clock, 2000)
  clock.advance(500)
  t.equal(ticks.length, 1)
  clock.stall(5000)
  t.equal(stalls.length, 1, 'the blocked loop is reported as a stall')
  t.equal(ticks.length, 1, 'and not as a tick that would blame a node')
  clock.advance(500)
  t.equal(ticks.length, 2, 'regular ticks resume')
  clock.stall(1100)
  t.equal(stalls.length, 1, 'a tick up to 2 intervals + 100 ms late is still regular')
  t.equal(ticks.length, 3)
  ticker.stop()
})

t.test('stop() ends the ticking, idempotently', async (t) => {
  const clock = new VirtualClock()
  const { ticker, ticks } = record(clock, 100)
  t.equal(clock.pending, 1)
  ticker.stop()
  ticker.stop()
  t.equal(clock.pending, 0)
  clock.advance(10_000)
  t.same(ticks, [])
})
