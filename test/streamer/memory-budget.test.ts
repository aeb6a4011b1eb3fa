import t from 'tap'
import { MemoryBudget } from '../../lib/streamer/memory-budget.js'

t.test('fits, charge, release, peak', async (t) => {
  const b = new MemoryBudget(100)
  t.ok(b.fits(100))
  t.ok(b.fits(1000), 'anything fits when nothing is held')
  b.charge(60)
  t.ok(b.fits(40))
  t.notOk(b.fits(41))
  b.charge(40)
  t.equal(b.held, 100)
  b.release(70)
  t.equal(b.held, 30)
  t.equal(b.peak, 100)
  b.release(100)
  t.equal(b.held, 0, 'never negative')
})

t.test('waiters wake in order as bytes are released, each with its room reserved', async (t) => {
  const b = new MemoryBudget(100)
  b.charge(90)
  const order: string[] = []
  const w1 = b.waitFor(50).then(() => order.push('50'))
  const w2 = b.waitFor(30).then(() => order.push('30'))
  const w3 = b.waitFor(500).then(() => order.push('500'))
  t.equal(b.waiting, 3)
  b.release(40) // held 50: the 50 fits; after it nothing is left for the 30
  await w1
  t.same(order, ['50'])
  t.equal(b.waiting, 2)
  t.equal(b.reserved, 50)
  t.notOk(b.fits(1), 'reserved room is not free for others')
  b.claim(50)
  b.charge(50)
  t.equal(b.reserved, 0)
  b.release(100) // held 0: the 30 fits; 70 left is not enough for the 500
  await w2
  t.same(order, ['50', '30'])
  t.equal(b.waiting, 1)
  b.unreserve(30) // the 30 gave up: nothing held or reserved, so the oversized file may go alone
  await w3
  t.same(order, ['50', '30', '500'])
  b.claim(500)
  await t.resolves(b.waitFor(10), 'immediate when it fits and nobody waits')
  t.equal(b.reserved, 10)
})

t.test('two releases in one tick never hand the same room to two waiters', async (t) => {
  const b = new MemoryBudget(64)
  b.charge(64)
  const woken: number[] = []
  const waiters = [1, 2, 3, 4].map((i) => b.waitFor(16).then(() => woken.push(i)))
  b.release(16) // room for one: 1
  b.release(16) // room for one more: 2 (not 2 and 3: 1 holds its reservation)
  await Promise.race([Promise.all(waiters), new Promise((resolve) => setTimeout(resolve, 20))])
  t.same(woken, [1, 2])
  t.equal(b.held + b.reserved, 64, 'held plus reserved never exceeds the limit')
  b.rejectWaiters(new Error('done'))
  await Promise.allSettled(waiters)
})

t.test('rejectWaiters', async (t) => {
  const b = new MemoryBudget(10)
  b.charge(10)
  const w = b.waitFor(5)
  b.rejectWaiters(new Error('gone'))
  await t.rejects(w, /gone/)
  t.equal(b.waiting, 0)
})

t.test('a reservation given back wakes the waiters behind it', async (t) => {
  const b = new MemoryBudget(100)
  b.charge(60)
  const first = b.waitFor(80) // as ready(80): it will give its room back
  const woken: number[] = []
  const second = b.waitFor(30).then(() => woken.push(30))
  b.release(60)
  await first
  t.same(woken, [], 'the 30 waits behind the reserved 80')
  b.unreserve(80)
  await second
  t.same(woken, [30], 'given back, the room goes to the next waiter')
  t.equal(b.reserved, 30)
})
