/**
 * A series survives a node: written by ClusterBackend over two data server processes (frames
 * spread over both, the series files on each), one server SIGKILLed. The series still opens and
 * reads as complete; frames on the live server read; the others are reported as on a server
 * that is not answering (named), not as missing; once the server is back, everything reads.
 */
import t from 'tap'
import { once } from 'node:events'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js'
import { cameraFrame, compareReadBack } from '../backends/frames.js'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { Cluster } from '../../lib/cluster/cluster.js'
import { NodeUnreachableError, NotFoundError } from '../../lib/errors.js'
import { SeriesReader } from '../../lib/series/series-reader.js'

const W = 32
const H = 24
const N = 40
const name = 'survive/s.pcs'

async function framesOn (p: ServerProcess): Promise<number[]> {
  return (await readdir(join(p.root, name))).filter((f) => f.endsWith('.pzf')).map((f) => Number(f.slice(5, 10))).sort((a, b) => a - b)
}

t.test('one of two servers killed: the series opens, live frames read, the others are named as unreachable; all read once it is back', async (t) => {
  const procs = [await startServerProcess(), await startServerProcess()]
  t.teardown(async () => { await Promise.all(procs.map(async (p) => { await p.stop() })) })
  const [live, dead] = procs as [ServerProcess, ServerProcess]
  const backend = new ClusterBackend(name, { shape: [W, H], servers: [live.url, dead.url], pool: false, chunkSize: 10, maxPendingFrames: 4 })
  await backend.initialize()
  const frames: Uint16Array[] = []
  for (let n = 0; n < N; n++) {
    frames.push(cameraFrame(W, H, n))
    if (!backend.storeFrame(n, cameraFrame(W, H, n))) await backend.ready()
  }
  const report = await backend.close()
  t.equal(report.complete, true)
  const onDead = await framesOn(dead)
  const onLive = await framesOn(live)
  t.ok(onDead.length > 0 && onLive.length > 0, `frames spread: ${onLive.length} on one server, ${onDead.length} on the other`)
  for (const p of procs) t.same((await readdir(join(p.root, name))).filter((f) => f.endsWith('.json')).sort(), ['events.json', 'final_metadata.json', 'metadata.json'])

  dead.kill('SIGKILL')
  await once(dead.child, 'exit')
  const cluster = await Cluster.connect({ servers: [live.url, dead.url], registry: false, mdns: false, env: {}, probeIntervalMs: 100 })
  t.teardown(() => cluster.close())
  const reader = await SeriesReader.open(backend.getURL(), { cluster, settleMs: 0 })
  t.teardown(() => reader.close())
  t.equal(reader.isComplete, true, 'complete: events.json is on the live server too')
  t.equal(reader.frameCount, N, 'the frame count of final_metadata.json')
  t.same(reader.unreachableServers, [dead.url], 'the server that did not answer is named')
  t.same(reader.unreachableFrames, onDead, 'the frames on it are unreachable')
  t.same(reader.missingFrames, [], 'none is missing: final_metadata.json records none as never stored')
  const status = await reader.refresh()
  t.match(status, { complete: true, frameCount: N, missingCount: 0, unreachableCount: onDead.length, unreachableServers: [dead.url] })

  const first = onLive[0] as number
  t.same(Buffer.from((await reader.getFrame(first)).data.buffer), Buffer.from(frames[first]!.buffer), 'a frame on the live server reads')
  const gone = onDead[0] as number
  const err = await reader.getFrame(gone).then(() => null, (e: unknown) => e)
  t.ok(err instanceof NodeUnreachableError, 'not NotFoundError')
  t.notOk(err instanceof NotFoundError)
  t.match((err as Error).message, new RegExp(`frame ${gone} of .*: .* is not on any answering server; 1 server not answering: ${dead.url.replace(/[.:/]/g, '\\$&')}`))
  t.notMatch((err as Error).message, /does not exist/)

  const back = once(cluster.directory, 'add')
  procs[1] = await dead.restart()
  await back
  const again = await reader.refresh()
  t.match(again, { complete: true, frameCount: N, missingCount: 0, unreachableCount: 0, unreachableServers: [] })
  t.same(await compareReadBack(reader, frames), { read: N, differing: [] }, 'every frame reads once the server is back')
})

t.test('a server that left after a file was read there: "on <server>, which is not answering"', async (t) => {
  const procs = [await startServerProcess(), await startServerProcess()]
  t.teardown(async () => { await Promise.all(procs.map(async (p) => { await p.stop() })) })
  const [live, dead] = procs as [ServerProcess, ServerProcess]
  const backend = new ClusterBackend('survive/b.pcs', { shape: [W, H], servers: [live.url, dead.url], pool: false, chunkSize: 5, maxPendingFrames: 2 })
  await backend.initialize()
  for (let n = 0; n < 10; n++) if (!backend.storeFrame(n, cameraFrame(W, H, n))) await backend.ready()
  await backend.close()
  const cluster = await Cluster.connect({ servers: [live.url, dead.url], registry: false, mdns: false, env: {}, probeIntervalMs: 60_000 })
  t.teardown(() => cluster.close())
  const onDead = (await readdir(join(dead.root, 'survive/b.pcs'))).filter((f) => f.endsWith('.pzf')).sort()
  const path = `survive/b.pcs/${onDead[0] ?? 'frame00005.pzf'}`
  t.ok((await cluster.getFile(path)).length > 0, 'read while its server answers (its location is now known)')
  const removed = once(cluster.directory, 'remove')
  dead.kill('SIGKILL')
  await once(dead.child, 'exit')
  await cluster.directory.reprobe()
  await removed
  await t.rejects(cluster.getFile(path, { cache: false }), { constructor: NodeUnreachableError, message: `'${path}' is on ${dead.url}, which is not answering` })
  const listing = await cluster.listDirectory('survive/b.pcs')
  t.same(listing.unreachable.map((f) => f.server.url), [dead.url], 'listings name the server that does not answer')
})
