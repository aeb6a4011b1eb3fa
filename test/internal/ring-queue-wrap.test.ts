import t from 'tap'
import { RingQueue } from '../../lib/internal/ring-queue.js'

t.test('FIFO order across wrap-around and growth', async (t) => {
  const q = new RingQueue<number>(3)
  t.equal(q.shift(), undefined)
  let next = 0
  let expect = 0
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < (round % 7) + 1; i++) q.push(next++)
    for (let i = 0; i < (round % 5); i++) {
      if (q.length === 0) break
      t.equal(q.shift(), expect++)
    }
  }
  while (q.length > 0) t.equal(q.shift(), expect++)
  t.equal(expect, next, `${next} items in order`)
})
