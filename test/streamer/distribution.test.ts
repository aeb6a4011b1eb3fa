import t from 'tap'
import {
  chunkedDistribution, leastLoadedDistribution, randomDistribution, rerouteFrom, resolveDistribution,
  roundRobinDistribution, type NodeState, type NodeView
} from '../../lib/streamer/distribution.js'

function node (state: NodeState, load = 0, saturated = false): NodeView {
  return { url: 'http://x/', state, inFlight: 0, inFlightBytes: load, queued: 0, queuedBytes: 0, saturated }
}

t.test('PYME round-robin: index mod N, random without an index', async (t) => {
  const nodes = [node('up'), node('up'), node('up')]
  t.same([0, 1, 2, 3, 4, 7].map((i) => roundRobinDistribution(3, { index: i, path: 'a', nodes })), [0, 1, 2, 0, 1, 1])
  for (let k = 0; k < 50; k++) {
    const r = roundRobinDistribution(3, { index: undefined, path: 'a', nodes })
    t.ok(Number.isInteger(r) && r >= 0 && r < 3)
  }
  for (let k = 0; k < 50; k++) {
    const r = randomDistribution(3, { index: 4, path: 'a', nodes })
    t.ok(Number.isInteger(r) && r >= 0 && r < 3)
  }
})

t.test('chunked blocks of 50 (PYME acquisition) and a custom size', async (t) => {
  const ctx = (index: number | undefined) => ({ index, path: 'f', nodes: [] })
  const f50 = chunkedDistribution()
  t.same([0, 49, 50, 99, 100, 150].map((i) => f50(3, ctx(i))), [0, 0, 1, 1, 2, 0])
  const f6 = resolveDistribution('chunked', 6)
  t.same([0, 5, 6, 12, 18].map((i) => f6(2, ctx(i))), [0, 0, 1, 0, 1])
  const r = f6(2, ctx(undefined))
  t.ok(r === 0 || r === 1)
})

t.test('least-loaded skips down, full and saturated nodes, ties by order', async (t) => {
  const ctx = (nodes: NodeView[]) => ({ index: 1, path: 'f', nodes })
  t.equal(leastLoadedDistribution(3, ctx([node('up', 10), node('up', 5), node('up', 5)])), 1)
  t.equal(leastLoadedDistribution(3, ctx([node('up', 10), node('down', 0), node('full', 0)])), 0)
  t.equal(leastLoadedDistribution(3, ctx([node('up', 1, true), node('up', 100), node('up', 50, true)])), 1)
  t.equal(leastLoadedDistribution(2, ctx([node('up', 9, true), node('up', 3, true)])), 1, 'all saturated: least loaded')
  t.equal(leastLoadedDistribution(2, ctx([node('down'), node('removed')])), 0, 'none up: 0, the streamer parks')
})

t.test('resolveDistribution', async (t) => {
  t.equal(resolveDistribution('round-robin', 50), roundRobinDistribution)
  t.equal(resolveDistribution('random', 50), randomDistribution)
  t.equal(resolveDistribution('least-loaded', 50), leastLoadedDistribution)
  const mine = (): number => 0
  t.equal(resolveDistribution(mine, 50), mine)
})

t.test('rerouteFrom: next healthy node, deterministic', async (t) => {
  t.equal(rerouteFrom(1, [node('up'), node('up'), node('up')]), 1)
  t.equal(rerouteFrom(1, [node('up'), node('down'), node('up')]), 2)
  t.equal(rerouteFrom(2, [node('up'), node('down'), node('full')]), 0, 'wraps')
  t.equal(rerouteFrom(0, [node('up', 0, true), node('up', 0, false)]), 1, 'skips a saturated node')
  t.equal(rerouteFrom(0, [node('up', 0, true), node('down')]), 0, 'all up nodes saturated: the first up one')
  t.equal(rerouteFrom(0, [node('down'), node('removed')]), -1, 'none up')
})
