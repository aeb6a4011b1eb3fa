/**
 * Regression (found by the fault suite, scenario 5): with `overflow: 'spill'`, a file that went
 * to the spill journal must not also stay in memory. `Streamer.putAsync` awaited its own
 * promise (the suspended frame held the bytes), `ClusterStore.write` did the same, and
 * `SeriesBackend` kept a closure over each encoded frame until it was stored, so every spilled
 * frame stayed referenced and memory grew with the outage instead of the budget.
 *
 * Live memory is measured after full collections (`--expose-gc`, set in .taprc); spilled
 * bytes are many times the budget, so a retained copy cannot hide in the slack.
 */
import { once } from 'node:events'
import { createServer } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { startDataServer } from '../../lib/server/index.js'
import { Streamer } from '../../lib/streamer/streamer.js'
import { startDataServers } from '../helpers/data-servers.js'
import { cameraFrame } from './frames.js'

const MiB = 1024 * 1024
const gc = (globalThis as { gc?: () => void }).gc

function live (): number {
  gc?.()
  gc?.()
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}

async function tempDir (t: Test, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A loopback port nothing listens on (connections are refused). */
async function refusingUrl (): Promise<string> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const { port } = s.address() as { port: number }
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return `http://127.0.0.1:${port}/`
}

/** Resolves once `test()` holds, checked after each `'spill'` of the streamer (bounded in time). */
async function until (s: Streamer, test: () => boolean): Promise<void> {
  const signal = AbortSignal.timeout(30_000)
  while (!test()) await once(s, 'spill', { signal })
}

t.test('Streamer.putAsync: spilled files are on disk only', { skip: gc === undefined ? 'needs --expose-gc' : false }, async (t) => {
  const s = new Streamer({ servers: [await refusingUrl()], overflow: 'spill', memoryBudget: MiB, spillDir: await tempDir(t, 'spill-mem-'), backoff: { minMs: 10_000 } })
  const pending: Array<Promise<unknown>> = []
  const before = live()
  for (let i = 0; i < 160; i++) {
    const p = s.putAsync(`mem/f${i}`, Buffer.alloc(256 * 1024, i))
    p.catch(() => { /* failed by destroy below */ })
    pending.push(p)
  }
  await until(s, () => s.stats().spilled >= 150)
  const growth = live() - before
  t.ok(s.stats().spillBytes > 35 * MiB, `${(s.stats().spillBytes / MiB).toFixed(1)} MiB in the journal`)
  t.ok(growth < 6 * MiB, `live memory grew ${(growth / MiB).toFixed(1)} MiB for a 1 MiB budget`)
  await s.destroy()
  t.equal(pending.length, 160)
})

t.test('ClusterBackend with spill: frames in the journal are not held, and all are stored when a server returns', { skip: gc === undefined ? 'needs --expose-gc' : false }, async (t) => {
  const [first] = await startDataServers(t, 1, { closeTimeoutMs: 100 })
  const server = first!
  const W = 256
  const H = 256
  const backend = new ClusterBackend('mem/spill.pcs', {
    shape: [W, H],
    servers: [server.url],
    pool: false,
    compression: 'raw',
    overflow: 'spill',
    memoryBudget: MiB,
    maxPendingFrames: 100_000,
    streamer: { spillDir: await tempDir(t, 'spill-be-'), ackTimeoutMs: 500, backoff: { minMs: 50, maxMs: 200 } }
  })
  await backend.initialize()
  const port = server.port
  const root = server.root
  await server.close()
  const streamer = backend.streamer as Streamer
  const before = live()
  for (let n = 0; n < 200; n++) backend.storeFrame(n, cameraFrame(W, H, n))
  await until(streamer, () => streamer.stats().spilled >= 180)
  const growth = live() - before
  t.ok(streamer.stats().spillBytes > 20 * MiB, `${(streamer.stats().spillBytes / MiB).toFixed(1)} MiB in the journal`)
  t.ok(growth < 6 * MiB, `live memory grew ${(growth / MiB).toFixed(1)} MiB for a 1 MiB budget`)

  const again = await startDataServer({ port, root, advertise: 'none', closeTimeoutMs: 2000 })
  t.teardown(() => again.close())
  const report = await backend.close()
  t.equal(report.frames, 200, 'every frame stored after the server came back')
  t.equal(report.complete, true)
  t.ok((report.stream?.spilled ?? 0) >= 180)
  t.equal(report.stream?.journal, null, 'journal replayed and removed')
})

t.test('maxPendingBytes bounds pixels waiting to be encoded, not frames waiting in the journal', async (t) => {
  const [first] = await startDataServers(t, 1, { closeTimeoutMs: 100 })
  const server = first!
  const W = 64
  const H = 64
  const backend = new ClusterBackend('mem/window.pcs', {
    shape: [W, H],
    servers: [server.url],
    pool: false,
    overflow: 'spill',
    memoryBudget: 64 * 1024,
    maxPendingFrames: 100_000,
    maxPendingBytes: 2 * W * H * 2,
    streamer: { spillDir: await tempDir(t, 'spill-win-'), ackTimeoutMs: 500, backoff: { minMs: 50, maxMs: 200 } }
  })
  await backend.initialize()
  const { port, root } = server
  await server.close()
  // With no server, nothing is stored: only the journal lets the camera go on.
  const camera = (async () => {
    for (let n = 0; n < 300; n++) if (!backend.storeFrame(n, cameraFrame(W, H, n))) await backend.ready()
  })()
  const outcome = await Promise.race([camera.then(() => 'done'), new Promise((resolve) => { setTimeout(resolve, 20_000, 'blocked').unref() })])
  t.equal(outcome, 'done', 'the camera was not held back while frames waited in the journal')
  t.ok((backend.streamer?.stats().spilled ?? 0) > 200, `${backend.streamer?.stats().spilled ?? 0} frames in the journal`)
  t.ok(backend.stats().pendingBytes <= 2 * W * H * 2, 'pixel bytes only of frames not yet encoded')
  const again = await startDataServer({ port, root, advertise: 'none', closeTimeoutMs: 2000 })
  t.teardown(() => again.close())
  const report = await backend.close()
  t.equal(report.frames, 300)
  t.equal(report.complete, true)
})
