import t from 'tap'
import { decideRange } from '../../lib/console/http-range.js'

t.test('Range decisions', async (t) => {
  t.same(decideRange(undefined, 10), { kind: 'full' })
  t.same(decideRange('bytes=0-3', 10), { kind: 'partial', start: 0, end: 4 })
  t.same(decideRange('bytes = 2-', 10), { kind: 'partial', start: 2, end: 10 })
  t.same(decideRange('bytes=5-100', 10), { kind: 'partial', start: 5, end: 10 })
  t.same(decideRange('bytes=-3', 10), { kind: 'partial', start: 7, end: 10 })
  t.same(decideRange('bytes=-30', 10), { kind: 'partial', start: 0, end: 10 })
  t.same(decideRange('bytes=10-', 10), { kind: 'unsatisfiable' })
  t.same(decideRange('bytes=-0', 10), { kind: 'unsatisfiable' })
  t.same(decideRange('bytes=-5', 0), { kind: 'unsatisfiable' })
  t.same(decideRange('bytes=5-2', 10), { kind: 'full' }, 'invalid: ignored')
  t.same(decideRange('bytes=0-1,4-5', 10), { kind: 'full' }, 'several ranges: the whole entity')
  t.same(decideRange('items=0-1', 10), { kind: 'full' })
  t.same(decideRange('bytes=x-y', 10), { kind: 'full' })
})
