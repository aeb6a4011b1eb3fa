/**
 * One deadline for a close: files that wait for a node (every node gone) fail by
 * `closeTimeoutMs`, the completion files still go out in the reserve, close() ends in time and
 * names what was not stored; after the deadline, puts are refused at once. 'all-nodes-down'
 * says when every node is gone, 'node-up' when one is back.
 */
import t from 'tap'
import { once } from 'node:events'
import { performance } from 'node:perf_hooks'
import { startDataServers } from '../helpers/data-servers.js'
import { OperationTimeoutError } from '../../lib/errors.js'
import { startDataServer } from '../../lib/server/index.js'
import { Streamer } from '../../lib/streamer/streamer.js'
import { closeReserveMs } from '../../lib/streamer/close-deadline.js'
import { startRawServer } from './raw-http.js'

/** What a close may take beyond its deadline on a loaded machine (it hung for ever before). */
const MARGIN_MS = 5000

t.test('every node gone: all-nodes-down, files wait, close() ends by its deadline naming them', async (t) => {
  const servers = await startDataServers(t, 2)
  const s = new Streamer({ servers: servers.map((x) => x.url), closeTimeoutMs: 3000, ackTimeoutMs: 1000, backoff: { minMs: 50, maxMs: 200 } })
  for (let i = 0; i < 20; i++) await s.putAsync(`gone/a${i}`, Buffer.alloc(64, i), { index: i })
  await Promise.all(servers.map((x) => x.close()))
  const allDown = once(s, 'all-nodes-down')
  const waiting: Array<Promise<unknown>> = []
  for (let i = 0; i < 10; i++) waiting.push(s.putAsync(`gone/b${i}`, Buffer.alloc(64, i), { index: i }).catch((e: unknown) => e))
  const [event] = await allDown as [{ nodes: string[], waiting: number }]
  t.same(event.nodes, servers.map((x) => x.url), 'names every node')
  t.ok(event.waiting > 0, `${event.waiting} file(s) waiting`)
  t.ok(s.stats().parked > 0, 'the files wait for a node (parked), none is lost')
  const marker = s.putAfterAll('gone/events.json', Buffer.from('[]'), { sendAnyway: true }).catch((e: unknown) => e)

  const t0 = performance.now()
  const err = await s.close().then(() => null, (e: unknown) => e)
  const elapsed = performance.now() - t0
  t.ok(elapsed < 3000 + MARGIN_MS, `close() ended after ${elapsed.toFixed(0)} ms (closeTimeoutMs 3000)`)
  t.ok(err instanceof OperationTimeoutError, 'rejects with OperationTimeoutError')
  if (!(err instanceof OperationTimeoutError)) return
  const expected = [...Array.from({ length: 10 }, (_, i) => `gone/b${i}`), 'gone/events.json'].sort()
  t.same([...err.failed].sort(), expected, 'failed names every file not stored, the marker too')
  t.match(err.message, /closeTimeoutMs \(3000 ms\): 11 file\(s\) not stored: gone\/b\d, /, 'the message names them (in the order they failed)')
  const report = err.report
  if (report === undefined || !('nodes' in report)) throw new Error('expected the stream report')
  t.equal(report.files, 20, 'what was stored is counted')
  t.same(Object.values(report.nodes).map((n) => n.state), ['down', 'down'])
  for (const w of waiting) t.ok(await w instanceof OperationTimeoutError)
  t.ok(await marker instanceof OperationTimeoutError)
})

t.test('frames give up at the deadline less the reserve; the completion file is still sent in the reserve', async (t) => {
  // Node 0 takes every frame and never answers; node 1 is a real server.
  const hung = await startRawServer(t, () => { /* never answers */ })
  const [good] = await startDataServers(t, 1)
  const closeTimeoutMs = 2000
  const s = new Streamer({ servers: [hung.url, good!.url], distribution: () => 0, closeTimeoutMs, ackTimeoutMs: 60_000 })
  const frames: Array<Promise<unknown>> = []
  for (let i = 0; i < 5; i++) frames.push(s.putAsync(`res/frame${i}.pzf`, Buffer.alloc(32, i), { index: i }).catch((e: unknown) => e))
  const marker = s.putCopies('res/events.json', Buffer.from('[]'), { nodes: [good!.url], afterAll: true, sendAnyway: true })
  const t0 = performance.now()
  const closing = s.close().then(() => null, (e: unknown) => e)
  const ack = await marker
  const sentAt = performance.now() - t0
  t.ok(sentAt >= closeTimeoutMs - closeReserveMs(closeTimeoutMs) - 50, `the marker went out after the frames gave up (${sentAt.toFixed(0)} ms)`)
  t.same(ack.stored.map((a) => a.node), [good!.url], 'stored in the reserve')
  const err = await closing
  t.ok(performance.now() - t0 < closeTimeoutMs + MARGIN_MS, 'close() ended in time though node 0 never answered')
  t.ok(err instanceof OperationTimeoutError)
  t.same([...(err as OperationTimeoutError).failed].sort(), ['res/frame0.pzf', 'res/frame1.pzf', 'res/frame2.pzf', 'res/frame3.pzf', 'res/frame4.pzf'])
  for (const f of frames) t.match(await f, { code: 'PYME_ERR_TIMEOUT', message: /less the 500 ms kept for the files that complete a series/ })
})

t.test('beginClose(): the deadline runs before close(); after it, puts are refused at once', async (t) => {
  const servers = await startDataServers(t, 1)
  const s = new Streamer({ servers: [servers[0]!.url], closeTimeoutMs: 800, ackTimeoutMs: 1000, backoff: { minMs: 50, maxMs: 100 } })
  await s.putAsync('bc/first', Buffer.from('x'))
  await servers[0]!.close()
  const failed = once(s, 'fail')
  const waiting = s.putAsync('bc/waits', Buffer.from('y')).catch((e: unknown) => e)
  s.beginClose()
  const [failure] = await failed as [{ path: string, error: Error }]
  t.equal(failure.path, 'bc/waits')
  t.ok(failure.error instanceof OperationTimeoutError, 'the waiting file gave up at the deadline less the reserve')
  t.ok(await waiting instanceof OperationTimeoutError)
  t.throws(() => s.put('bc/late', Buffer.from('z')), { code: 'PYME_ERR_TIMEOUT', message: /close deadline .* has passed/ })
  // A completion file is still taken in the reserve, and fails at the deadline (no node).
  const barrier = await s.putAfterAll('bc/events.json', Buffer.from('[]'), { sendAnyway: true }).catch((e: unknown) => e)
  t.ok(barrier instanceof OperationTimeoutError, 'the barrier failed at the deadline')
  await t.rejects(s.putAfterAll('bc/again.json', Buffer.from('[]')), { code: 'PYME_ERR_TIMEOUT' }, 'refused at once after the deadline')
  const err = await s.close().then(() => null, (e: unknown) => e)
  t.ok(err instanceof OperationTimeoutError)
  t.same([...(err as OperationTimeoutError).failed].sort(), ['bc/events.json', 'bc/waits'])
})

t.test('a node back after all-nodes-down: node-up, the waiting files are stored', async (t) => {
  const [server] = await startDataServers(t, 1)
  const { port, root } = server!
  const s = new Streamer({ servers: [server!.url], ackTimeoutMs: 1000, backoff: { minMs: 20, maxMs: 100 } })
  await s.putAsync('back/a', Buffer.from('a'))
  await server!.close()
  const down = once(s, 'all-nodes-down')
  const waiting = s.putAsync('back/b', Buffer.from('b'))
  await down
  const up = once(s, 'node-up')
  const again = await startDataServer({ port, root, advertise: 'none' })
  t.teardown(() => again.close())
  await up
  t.equal((await waiting).node, server!.url)
  t.equal((await s.close()).files, 2)
})
