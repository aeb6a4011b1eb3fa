/**
 * putCopies: one file on several specific nodes, a pinned copy per node that never wanders;
 * a copy whose node is down is skipped while another covers the file, else it waits for its
 * node; the put succeeds with one copy stored and says where each copy went.
 */
import t from 'tap'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startDataServers } from '../helpers/data-servers.js'
import { NodeUnreachableError, OperationTimeoutError } from '../../lib/errors.js'
import { startDataServer } from '../../lib/server/index.js'
import { Streamer } from '../../lib/streamer/streamer.js'

const fast = { ackTimeoutMs: 1000, backoff: { minMs: 20, maxMs: 100 } }

t.test('a copy on every node, same bytes on each disk', async (t) => {
  const servers = await startDataServers(t, 3)
  const s = new Streamer({ servers: servers.map((x) => x.url) })
  const ack = await s.putCopies('c/s.pcs/metadata.json', Buffer.from('{"a": 1}'))
  t.same(ack.stored.map((a) => a.node).sort(), servers.map((x) => x.url).sort())
  t.same(ack.missed, [])
  for (const x of servers) t.equal(await readFile(join(x.root, 'c/s.pcs/metadata.json'), 'utf8'), '{"a": 1}')
  const only = await s.putCopies('c/s.pcs/two.json', Buffer.from('2'), { nodes: [servers[2]!.url, servers[0]!.url.replace(/\/$/, '')] })
  t.same(only.stored.map((a) => a.node).sort(), [servers[0]!.url, servers[2]!.url].sort(), 'only the nodes asked for (any address form)')
  const report = await s.close()
  t.equal(report.files, 5, 'each stored copy is a file on a server')
  await t.rejects(new Streamer({ servers: [servers[0]!.url] }).putCopies('c/x', Buffer.from('x'), { nodes: ['http://127.0.0.1:1/'] }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /not a node of this streamer/ })
})

t.test('a node down: its copy is skipped, never sent elsewhere; the put says so', async (t) => {
  const servers = await startDataServers(t, 3)
  const s = new Streamer({ servers: servers.map((x) => x.url), ...fast })
  await servers[1]!.close()
  const ack = await s.putCopies('d/s.pcs/metadata.json', Buffer.from('{}'))
  t.same(ack.stored.map((a) => a.node).sort(), [servers[0]!.url, servers[2]!.url].sort())
  t.equal(ack.missed.length, 1)
  t.equal(ack.missed[0]?.node, servers[1]!.url)
  t.ok(ack.missed[0]?.error instanceof NodeUnreachableError, String(ack.missed[0]?.error.message))
  const report = await s.close()
  t.same(report.failed, [], 'the file was stored: no failure')
  t.equal(report.nodes[servers[0]!.url]?.files, 1)
  t.equal(report.nodes[servers[2]!.url]?.files, 1, 'one copy each, none re-routed onto them')
})

t.test('afterAll copies wait for every earlier file, on every node', async (t) => {
  const servers = await startDataServers(t, 2, { testDelayMs: 20 })
  const s = new Streamer({ servers: servers.map((x) => x.url) })
  const acked: string[] = []
  s.on('ack', (a) => acked.push(`${a.path} ${a.node}`))
  for (let i = 0; i < 20; i++) s.put(`b/s.pcs/frame${i}.pzf`, Buffer.alloc(100, i), { index: i })
  const ack = await s.putCopies('b/s.pcs/events.json', Buffer.from('[]'), { afterAll: true })
  t.equal(ack.stored.length, 2)
  const firstMarker = acked.findIndex((l) => l.startsWith('b/s.pcs/events.json'))
  t.equal(acked.slice(0, firstMarker).length, 20, 'every frame answered before either copy')
  await s.close()
})

t.test('no node up: the copies wait; the first node back gets its copy, the others are skipped', async (t) => {
  const servers = await startDataServers(t, 2)
  const s = new Streamer({ servers: servers.map((x) => x.url), ...fast })
  await s.putAsync('w/first', Buffer.from('1'), { index: 0 })
  await s.putAsync('w/second', Buffer.from('2'), { index: 1 })
  const { port, root } = servers[0]!
  await Promise.all(servers.map((x) => x.close()))
  const down = once(s, 'all-nodes-down')
  s.put('w/probe0', Buffer.from('p'), { index: 0 })
  await down
  const copies = s.putCopies('w/s.pcs/metadata.json', Buffer.from('{}'))
  const again = await startDataServer({ port, root, advertise: 'none' })
  t.teardown(() => again.close())
  const ack = await copies
  t.same(ack.stored.map((a) => a.node), [servers[0]!.url], 'stored on the node that came back')
  t.same(ack.missed.map((m) => m.node), [servers[1]!.url], 'the copy for the node still down was skipped')
  t.equal(await readFile(join(root, 'w/s.pcs/metadata.json'), 'utf8'), '{}')
  await s.close()
})

t.test('no copy stored by the close deadline: OperationTimeoutError naming the file', async (t) => {
  const servers = await startDataServers(t, 2)
  const s = new Streamer({ servers: servers.map((x) => x.url), closeTimeoutMs: 600, ...fast })
  await Promise.all(servers.map((x) => x.close()))
  const copies = s.putCopies('n/s.pcs/events.json', Buffer.from('[]'), { afterAll: true }).catch((e: unknown) => e)
  const err = await s.close().then(() => null, (e: unknown) => e)
  const failure = await copies
  t.ok(failure instanceof OperationTimeoutError, String(failure))
  t.match((failure as Error).message, /no copy of n\/s.pcs\/events.json was stored before the close deadline/)
  t.ok(err instanceof OperationTimeoutError)
  t.same((err as OperationTimeoutError).failed, ['n/s.pcs/events.json'], 'one failure for the file, not one per copy')
})
