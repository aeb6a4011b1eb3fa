import t from 'tap'
import { Semaphore } from '../../lib/internal/semaphore.js'

t.test('at most limit holders, FIFO hand-over, idempotent release', async (t) => {
  const s = new Semaphore(2)
  const r1 = await s.acquire()
  const r2 = await s.acquire()
  t.equal(s.held, 2)
  const order: number[] = []
  const w3 = s.acquire().then((r) => { order.push(3); return r })
  const w4 = s.acquire().then((r) => { order.push(4); return r })
  t.equal(s.waiting, 2)
  r1()
  r1()
  const r3 = await w3
  t.same(order, [3], 'one release, one hand-over')
  t.equal(s.held, 2)
  r2()
  const r4 = await w4
  t.same(order, [3, 4])
  r3()
  r4()
  t.equal(s.held, 0)
  t.equal(s.waiting, 0)
})
