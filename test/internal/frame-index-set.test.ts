import t from 'tap'
import { FrameIndexSet } from '../../lib/internal/frame-index-set.js'

t.test('dense indices: add, has, count, max, gaps', async (t) => {
  const s = new FrameIndexSet()
  t.equal(s.max, -1)
  t.equal(s.gaps, 0)
  t.same(s.missing(), [])
  let refused = 0
  for (let n = 0; n < 100000; n++) if (n % 1000 !== 7 && !s.add(n)) refused++
  t.equal(refused, 0, 'every new index is added')
  t.equal(s.count, 99900)
  t.equal(s.max, 99999)
  t.equal(s.gaps, 100)
  t.equal(s.add(5), false, 'a second add is refused')
  t.ok(s.has(99999))
  t.notOk(s.has(7))
  t.notOk(s.has(10 ** 6), 'beyond the bitmap')
  const missing = s.missing()
  t.equal(missing.length, 100)
  t.same(missing.slice(0, 3), [7, 1007, 2007])
  t.same(s.missing(2), [7, 1007])
})

t.test('sparse indices beyond the dense range', async (t) => {
  const s = new FrameIndexSet()
  t.ok(s.add(4_000_000_000))
  t.notOk(s.add(4_000_000_000))
  t.ok(s.has(4_000_000_000))
  t.notOk(s.has(4_000_000_001))
  t.ok(s.add(3))
  t.equal(s.count, 2)
  t.equal(s.max, 4_000_000_000)
  t.same(s.missing(3), [0, 1, 2])
  t.ok(s.add(2 ** 20), 'growth in one jump')
  t.ok(s.has(2 ** 20))
})
