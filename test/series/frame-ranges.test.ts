/**
 * Frame ranges: how final_metadata.json records the frames never stored
 * (`pyme-cluster.FramesNotStored`), written by the backend, read leniently by the reader.
 */
import t from 'tap'
import { absentRanges, inRanges, parseRanges, rangesCount } from '../../lib/series/frame-ranges.js'

t.test('absent indices as ranges, capped', async (t) => {
  const stored = new Set([0, 1, 2, 6, 7, 9])
  const has = (n: number): boolean => stored.has(n)
  t.same(absentRanges(has, 10), [[3, 5], [8, 8]])
  t.same(absentRanges(has, 12), [[3, 5], [8, 8], [10, 11]], 'a gap running to the end')
  t.same(absentRanges(has, 12, 1), [[3, 5]], 'at most maxRanges')
  t.same(absentRanges(() => true, 5), [])
  t.same(absentRanges(() => false, 3), [[0, 2]])
  t.same(absentRanges(has, 0), [])
  t.equal(rangesCount([[3, 5], [8, 8]]), 4)
})

t.test('membership by binary search', async (t) => {
  const r = parseRanges([[3, 5], [8, 8], [20, 40]])!
  for (const n of [3, 4, 5, 8, 20, 33, 40]) t.ok(inRanges(r, n), `${n} in`)
  for (const n of [0, 2, 6, 7, 9, 19, 41]) t.notOk(inRanges(r, n), `${n} out`)
  t.notOk(inRanges([], 1))
})

t.test('parsed leniently: anything else is no information', async (t) => {
  t.same(parseRanges([]), [])
  for (const bad of [undefined, null, 'x', [[1]], [[2, 1]], [[1, 2], [2, 3]], [[-1, 2]], [[1.5, 2]], [['1', 2]], [[5, 6], [1, 2]]]) {
    t.equal(parseRanges(bad), undefined, JSON.stringify(bad) ?? 'undefined')
  }
})
