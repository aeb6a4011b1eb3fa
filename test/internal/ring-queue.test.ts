import t from 'tap'
import { RingQueue } from '../../lib/internal/ring-queue.js'

t.test('FIFO order across growth and wrap-around', async (t) => {
  const q = new RingQueue<number>(4)
  t.equal(q.capacity, 4)
  t.equal(q.shift(), undefined)
  t.equal(q.peek(), undefined)
  let next = 0
  let expect = 0
  // Interleave pushes and shifts so the head wraps many times while the queue grows.
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < round % 7 + 1; i++) q.push(next++)
    for (let i = 0; i < round % 5; i++) {
      const v = q.shift()
      if (v === undefined) break
      t.equal(v, expect++)
    }
  }
  while (q.length > 0) t.equal(q.shift(), expect++)
  t.equal(expect, next)
  t.ok(q.capacity >= 4 && (q.capacity & (q.capacity - 1)) === 0, 'capacity stays a power of two')
})

t.test('unshift, at, peek and drain', async (t) => {
  const q = new RingQueue<string>(1)
  t.equal(q.capacity, 4, 'rounded up to at least 4')
  q.push('b')
  q.push('c')
  q.unshift('a')
  for (const x of ['d', 'e', 'f']) q.push(x)
  q.unshift('0')
  t.equal(q.length, 7)
  t.equal(q.peek(), '0')
  t.equal(q.at(1), 'a')
  t.equal(q.at(6), 'f')
  t.equal(q.at(7), undefined)
  t.equal(q.at(-1), undefined)
  const seen: string[] = []
  q.drain((x) => seen.push(x))
  t.same(seen, ['0', 'a', 'b', 'c', 'd', 'e', 'f'])
  t.equal(q.length, 0)
})
