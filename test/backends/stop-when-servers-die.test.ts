/**
 * Stopping always ends: data server processes SIGKILLed mid-acquisition. With every server
 * dead, close() ends within closeTimeoutMs (plus a margin for a loaded machine) and rejects
 * with an OperationTimeoutError naming the frames not stored; the backend says when every node
 * is gone. With one of two dead, the other finishes the series and the report names what is
 * on the dead one only.
 */
import t, { type Test } from 'tap'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { ClosedError, OperationTimeoutError } from '../../lib/errors.js'
import { cameraFrame } from './frames.js'

const W = 64
const H = 48
/** What a close may take beyond its deadline on a loaded machine (it hung for ever before). */
const MARGIN_MS = 5000

async function servers (t: Test, n: number): Promise<ServerProcess[]> {
  const out = await Promise.all(Array.from({ length: n }, async () => await startServerProcess()))
  t.teardown(async () => { await Promise.all(out.map(async (s) => { await s.stop() })) })
  return out
}

/** Stores frames from `first` until `stop` (or the backend closes), waiting for room as a camera loop does. */
async function camera (backend: ClusterBackend, first: number, count: number): Promise<{ given: number, ended: unknown }> {
  let n = first
  try {
    for (; n < first + count; n++) if (!backend.storeFrame(n, cameraFrame(W, H, n))) await backend.ready()
    return { given: n - first, ended: null }
  } catch (err) {
    return { given: n - first, ended: err }
  }
}

t.test('every server SIGKILLed mid-run: all-nodes-down, close() ends by closeTimeoutMs naming what was not stored', async (t) => {
  const procs = await servers(t, 2)
  const closeTimeoutMs = 4000
  const backend = new ClusterBackend('dead/all.pcs', {
    shape: [W, H],
    servers: procs.map((p) => p.url),
    pool: false,
    maxPendingFrames: 16,
    streamer: { closeTimeoutMs, ackTimeoutMs: 1000, backoff: { minMs: 50, maxMs: 300 } }
  })
  await backend.initialize()
  let stored = 0
  backend.on('stored', (name: string) => { if (name.endsWith('.pzf')) stored++ })
  t.same((await camera(backend, 0, 60)), { given: 60, ended: null })
  while (stored < 40) await once(backend, 'stored')
  for (const p of procs) p.kill('SIGKILL')
  const allDown = once(backend, 'all-nodes-down')
  // The camera goes on: its frames wait for a node; ready() holds it while the window is full.
  const running = camera(backend, 60, 1000)
  const [event] = await allDown as [{ nodes: string[], waiting: number }]
  t.same([...event.nodes].sort(), procs.map((p) => p.url).sort(), 'the backend says every node is gone')

  const t0 = performance.now()
  const err = await backend.close().then(() => null, (e: unknown) => e)
  const elapsed = performance.now() - t0
  t.ok(elapsed < closeTimeoutMs + MARGIN_MS, `close() ended after ${elapsed.toFixed(0)} ms (closeTimeoutMs ${closeTimeoutMs})`)
  const cam = await running
  t.ok(cam.ended instanceof ClosedError, 'ready() let the camera go once the frames gave up; storeFrame then refuses')

  t.ok(err instanceof OperationTimeoutError, 'rejects with OperationTimeoutError')
  if (!(err instanceof OperationTimeoutError)) return
  const report = err.report
  if (report === undefined || !('stream' in report)) throw new Error('expected a ClusterBackend report')
  const notStored = report.frameCount - report.frames
  t.ok(notStored > 0, `${notStored} frame(s) not stored`)
  t.equal(err.failed.filter((f) => f.endsWith('.pzf')).length, notStored, 'failed names every frame not stored')
  t.ok(err.failed.includes('final_metadata.json') && err.failed.includes('events.json'), 'and the completion files')
  t.match(err.message, /the close deadline \(closeTimeoutMs\) passed with \d+ file\(s\) not stored: frame\d{5}\.pzf, .* the series is not complete/)
  t.equal(report.complete, false)
  const frameErrors = report.failed.filter((f) => f.name.endsWith('.pzf'))
  t.ok(frameErrors.every((f) => f.error instanceof OperationTimeoutError && /less the 1000 ms kept/.test(f.error.message)), 'frames gave up at the deadline less the reserve')
  t.same(report.copies.find((c) => c.name === 'metadata.json')?.stored.length, 2, 'metadata.json was on both')
  t.same(report.unreachable.map((u) => u.node).sort(), procs.map((p) => p.url).sort(), 'the files on the dead servers are named')
  t.equal(report.unreachable.reduce((a, u) => a + u.files.filter((f) => f.endsWith('.pzf')).length, 0), report.frames, 'every stored frame is on a dead server')
  await t.rejects(backend.finalize(), OperationTimeoutError, 'finalize() gives the same outcome')
})

t.test('one of two servers SIGKILLed mid-run: the other finishes the series', async (t) => {
  const procs = await servers(t, 2)
  const [live, dead] = procs as [ServerProcess, ServerProcess]
  const backend = new ClusterBackend('dead/one.pcs', {
    shape: [W, H],
    servers: [live.url, dead.url],
    pool: false,
    chunkSize: 10,
    streamer: { closeTimeoutMs: 20_000, ackTimeoutMs: 1000, backoff: { minMs: 50, maxMs: 300 } }
  })
  await backend.initialize()
  let stored = 0
  backend.on('stored', (name: string) => { if (name.endsWith('.pzf')) stored++ })
  await camera(backend, 0, 40)
  while (stored < 30) await once(backend, 'stored')
  dead.kill('SIGKILL')
  t.same(await camera(backend, 40, 60), { given: 60, ended: null })
  const report = await backend.close()
  t.equal(report.frames, 100, 'every frame stored')
  t.equal(report.complete, true, 'the series is complete')
  t.same(report.failed, [])
  const events = report.copies.find((c) => c.name === 'events.json')
  t.same(events?.stored, [live.url], 'events.json on the live server')
  t.same(events?.missed.map((m) => m.node), [dead.url], 'and reported missing on the dead one')
  const onDead = report.unreachable.find((u) => u.node === dead.url)
  t.ok(onDead !== undefined && onDead.count > 0, `${onDead?.count ?? 0} frame(s) stored only on the dead server, named`)
  t.ok(onDead?.files.every((f) => /^frame\d{5}\.pzf$/.test(f)), 'frames only: metadata.json is also on the live server')
  const final = JSON.parse(await readFile(join(live.root, 'dead/one.pcs/final_metadata.json'), 'utf8')) as Record<string, unknown>
  t.equal(final['pyme-cluster.FramesStored'], 100)
  t.same(final['pyme-cluster.FramesNotStored'], [], 'no frame is absent for good')
  t.ok((await readFile(join(live.root, 'dead/one.pcs/events.json'), 'utf8')).startsWith('['), 'events.json on the live server')
})
