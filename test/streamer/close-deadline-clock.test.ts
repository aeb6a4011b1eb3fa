/**
 * CloseDeadline in virtual time: the files' expiry at the deadline less the reserve, the pass at
 * the deadline, a clock begun in the past, and stop().
 */
import t from 'tap'
import { CloseDeadline, DeadlinePhase, closeReserveMs } from '../../lib/streamer/close-deadline.js'
import { VirtualClock } from '../helpers/virtual-clock.js'

function deadline (ms: number): { d: CloseDeadline, clock: VirtualClock, log: string[] } {
  const clock = new VirtualClock()
  const log: string[] = []
  const start = clock.now()
  const d = new CloseDeadline(ms, { expire: () => log.push(`expire ${clock.now() - start}`), pass: () => log.push(`pass ${clock.now() - start}`) }, clock)
  return { d, clock, log }
}

t.test('the reserve: a quarter of the timeout, at most 15 s', async (t) => {
  t.equal(closeReserveMs(4000), 1000)
  t.equal(closeReserveMs(60_000), 15_000)
  t.equal(closeReserveMs(600_000), 15_000)
  t.equal(closeReserveMs(1), 0)
})

t.test('expire at the deadline less the reserve, pass at the deadline', async (t) => {
  const { d, clock, log } = deadline(4000)
  t.equal(d.phase, DeadlinePhase.IDLE)
  t.equal(d.remainingMs(), Infinity)
  t.equal(clock.pending, 0, 'no timer before begin')
  d.begin()
  t.equal(d.phase, DeadlinePhase.RUNNING)
  clock.advance(2999)
  t.same(log, [])
  clock.advance(1)
  t.same(log, ['expire 3000'])
  t.equal(d.phase, DeadlinePhase.EXPIRED)
  t.equal(d.remainingMs(), 1000)
  d.begin()
  clock.advance(1000)
  t.same(log, ['expire 3000', 'pass 4000'], 'a second begin changes nothing')
  t.equal(d.phase, DeadlinePhase.PASSED)
  t.equal(d.remainingMs(), 0)
  t.equal(clock.pending, 0)
})

t.test('begun in the past (finalize() was called earlier): the same instants', async (t) => {
  const { d, clock, log } = deadline(4000)
  clock.advance(3500)
  d.begin(3500)
  clock.advance(0)
  t.same(log, ['expire 3500'], 'overdue: at once')
  clock.advance(500)
  t.same(log, ['expire 3500', 'pass 4000'])
})

t.test('stop(): nothing fires, the phase stays', async (t) => {
  const { d, clock, log } = deadline(4000)
  d.begin()
  d.stop()
  clock.advance(10_000)
  t.same(log, [])
  t.equal(d.phase, DeadlinePhase.RUNNING)
})
