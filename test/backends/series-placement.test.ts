/**
 * SeriesPlacement: which node holds each frame and copy, and which files are on no node that is
 * up (the backend report's `unreachable`).
 */
import t from 'tap'
import { NodeUnreachableError } from '../../lib/errors.js'
import { SeriesPlacement } from '../../lib/backends/series-placement.js'
import { frameFileName } from '../../lib/internal/series-layout.js'
import type { NodeState } from '../../lib/streamer/distribution.js'

const A = 'http://a:1/'
const B = 'http://b:1/'
const C = 'http://c:1/'
const ack = (node: string): { path: string, node: string, bytes: number, attempts: number, verified: boolean } => ({ path: 'p', node, bytes: 1, attempts: 1, verified: false })

t.test('files on no node that is up, per down node', async (t) => {
  const p = new SeriesPlacement()
  for (let n = 0; n < 10; n++) p.frame(n < 5 ? A : B, n)
  p.frame(A, 7) // frame 7 stored twice (a lost answer, re-sent): also on A
  p.copied('metadata.json', { path: 'p', stored: [ack(A), ack(B)], missed: [] })
  p.copied('events.json', { path: 'p', stored: [ack(B)], missed: [{ node: A, error: new NodeUnreachableError('down') }] })
  p.copied('final_metadata.json', null, new Error('no copy'))
  t.same(p.copies.map((c) => [c.name, c.stored, c.missed.map((m) => m.node)]), [
    ['metadata.json', [A, B], []], ['events.json', [B], [A]], ['final_metadata.json', [], ['']]
  ])
  const states = (a: NodeState, b: NodeState): Map<string, NodeState> => new Map([[A, a], [B, b], [C, 'down']])
  t.same(p.unreachable(states('up', 'up'), frameFileName), [], 'every node up (C holds nothing)')
  t.same(p.unreachable(states('up', 'down'), frameFileName), [
    { node: B, state: 'down', files: ['events.json', 'frame00005.pzf', 'frame00006.pzf', 'frame00008.pzf', 'frame00009.pzf'], count: 5 }
  ], 'frame 7 is also on A; metadata.json too')
  const both = p.unreachable(states('removed', 'full'), frameFileName)
  t.same(both.map((u) => [u.node, u.state, u.count]), [[A, 'removed', 5]], 'a full node is up; a removed one is not')
})

t.test('names at most 1000 files, counts them all', async (t) => {
  const p = new SeriesPlacement()
  for (let n = 0; n < 1500; n++) p.frame(A, n)
  const [u] = p.unreachable(new Map([[A, 'down']]), frameFileName)
  t.equal(u?.count, 1500)
  t.equal(u?.files.length, 1000)
})
