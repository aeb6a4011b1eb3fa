// ItemRouter on its own, over stand-in pushers (the router reads only their state, their
// saturation and enqueue/revive): the distribution's choice, deterministic re-routing away
// from unusable nodes, parking while no node is up, and failures of a bad distribution.
import t from 'tap'
import { ItemRouter } from '../../lib/streamer/item-router.js'
import { ItemState, StreamItem } from '../../lib/streamer/stream-item.js'
import type { NodePusher } from '../../lib/streamer/node-pusher.js'
import type { DistributionFn, NodeState } from '../../lib/streamer/distribution.js'

class StandIn {
  readonly url: string
  readonly index: number
  state: NodeState = 'up'
  saturated = false
  inFlight = 0
  inFlightBytes = 0
  queued = 0
  queuedBytes = 0
  readonly got: string[] = []
  constructor (url: string, index: number) {
    this.url = url
    this.index = index
  }

  enqueue (item: StreamItem): void { this.got.push(item.path) }
  revive (): boolean {
    if (this.state !== 'removed') return false
    this.state = 'up'
    return true
  }
}

function setup (distribution: DistributionFn): { router: ItemRouter, nodes: StandIn[], failed: Array<[string, Error]> } {
  const nodes: StandIn[] = []
  const failed: Array<[string, Error]> = []
  const router = new ItemRouter(distribution, (url, index) => {
    const p = new StandIn(url, index)
    nodes.push(p)
    return p as unknown as NodePusher
  }, (item, err) => { failed.push([item.path, err]) })
  return { router, nodes, failed }
}

let seq = 0
const item = (path: string, index = -1): StreamItem => new StreamItem(seq++, path, `/${path}`, index, index >= 0, false)
const byIndex: DistributionFn = (n, { index }) => (index ?? 0) % n

t.test('files go where the distribution says, or to the next usable node, in index order', async (t) => {
  const { router, nodes } = setup(byIndex)
  for (const url of ['a', 'b', 'c']) t.ok(router.add(url))
  t.equal(router.add('b'), null, 'a known live node is not added twice')
  for (let i = 0; i < 3; i++) router.route(item(`f${i}`, i))
  t.same(nodes.map((n) => n.got), [['f0'], ['f1'], ['f2']])
  ;(nodes[1] as StandIn).state = 'down'
  router.route(item('f4', 4))
  t.same((nodes[2] as StandIn).got, ['f2', 'f4'], 'from a down node to the next one')
  ;(nodes[2] as StandIn).saturated = true
  router.route(item('f5', 1))
  t.same((nodes[0] as StandIn).got, ['f0', 'f5'], 'a saturated node is skipped while another is free')
  ;(nodes[0] as StandIn).saturated = true
  router.route(item('f6', 1))
  t.same((nodes[2] as StandIn).got, ['f2', 'f4', 'f6'], 'all saturated: the first up node from the choice')
  t.equal(router.rerouted, 3)
})

t.test('no node up: files park, and go out in order once one comes up', async (t) => {
  const { router, nodes } = setup(byIndex)
  router.route(item('early'))
  t.equal(router.parked, 1, 'no node at all')
  router.add('a')
  ;(nodes[0] as StandIn).state = 'removed'
  router.route(item('x', 0))
  t.equal(router.parked, 2)
  t.equal(router.get('a'), nodes[0] as unknown as NodePusher)
  t.ok(router.add('a'), 'a removed node announced again is revived')
  router.unpark()
  t.same((nodes[0] as StandIn).got, ['early', 'x'])
  t.equal(router.parked, 0)
  const settled = item('settled')
  ;(nodes[0] as StandIn).state = 'down'
  router.route(settled)
  router.route(item('waiting'))
  settled.state = ItemState.STORED
  const drained: string[] = []
  router.drainParked((i) => { drained.push(i.path) })
  t.same(drained, ['waiting'], 'abort hands over only the unsettled parked files')
})

t.test('a distribution function that throws or answers out of range fails that file only', async (t) => {
  const { router, failed, nodes } = setup((n, { path }) => {
    if (path === 'boom') throw new Error('bad')
    return path === 'far' ? n : 0
  })
  router.add('a')
  router.route(item('boom'))
  router.route(item('far'))
  router.route(item('ok'))
  t.match(failed, [['boom', { code: 'PYME_ERR_INVALID_ARGUMENT', message: /threw for boom/ }], ['far', { message: /returned 1 for far; expected an integer from 0 to 0/ }]])
  t.same((nodes[0] as StandIn).got, ['ok'])
})
