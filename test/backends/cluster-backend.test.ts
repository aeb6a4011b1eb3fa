import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { Cluster } from '../../lib/cluster/cluster.js'
import { AlreadyExistsError, ClosedError, DestroyedError, DuplicateFrameError, InvalidArgumentError, InvalidFrameError, InvalidNameError, StoreFailedError } from '../../lib/errors.js'
import { decodePzf } from '../../lib/pzf/decode-pzf.js'
import { readPzfHeader } from '../../lib/pzf/index.js'
import { PzfEncoderPool } from '../../lib/pzf/pzf-encoder-pool.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import type { DataServer } from '../../lib/server/index.js'
import { startDataServers } from '../helpers/data-servers.js'
import { cameraFrame, compareReadBack, frameOf } from './frames.js'

const W = 24
const H = 16
const noDiscovery = { registry: false, mdns: false, env: {}, probeIntervalMs: 60_000 } as const

// One pool for every backend of this file: workers start once.
const pool = new PzfEncoderPool({ size: 1 })
t.teardown(() => pool.close())

async function putRaw (server: DataServer, path: string, body: string): Promise<number> {
  const res = await request(`${server.url}${path}`, { method: 'PUT', body })
  await res.body.dump()
  return res.statusCode
}

t.test('a series over two servers: PYME layout, chunked distribution, read back bit for bit', async (t) => {
  const servers = await startDataServers(t, 2)
  const urls = servers.map((s) => s.url)
  const name = 'jdoe/2024_5_1/1_5_series_A.pcs'
  const backend = new ClusterBackend(name, { shape: [W, H], servers: urls, pool })
  t.equal(backend.getURL(), `PYME-CLUSTER:///${name}`, 'triple slash: static servers have no serverfilter')
  t.equal(backend.seriesName, name)
  t.equal(backend.streamer, null)
  t.equal(backend.stats().stream, null)
  const order: string[] = []
  backend.on('stored', (file: string) => order.push(file))
  await backend.initialize()
  t.ok(backend.streamer !== null)
  const onDisk = async (i: number): Promise<string[]> => (await readdir(join(servers[i]!.root, name)).catch(() => [])).sort()
  t.same([await onDisk(0), await onDisk(1)], [['metadata.json'], ['metadata.json']], 'metadata.json on every server, before any frame')
  const frames: Uint16Array[] = []
  for (let n = 0; n < 120; n++) {
    const f = cameraFrame(W, H, n)
    frames.push(f.slice())
    if (!backend.storeFrame(n, f)) await backend.ready()
    f.fill(7) // the backend copied it: reuse is safe
  }
  backend.logEvent('StartAq')
  backend.logEvent('ProtocolFocus', '12, 3.5', 1716872400.2)
  t.equal(backend.stats().stream?.nodes.length, 2)
  const report = await backend.finalize()
  t.equal(await backend.finalize(), report, 'idempotent')
  t.equal(report.frames, 120)
  t.equal(report.files, 123)
  t.equal(report.complete, true)
  t.equal(report.url, backend.getURL())
  t.same(report.failed, [])
  t.ok(report.stream !== null)
  t.equal(report.stream?.files, 126, 'the Streamer acknowledged every file, and a copy of each metadata file per server')
  const copyBytes = (await Promise.all(['metadata.json', 'final_metadata.json', 'events.json'].map(async (f) => (await readFile(join(servers[0]!.root, name, f))).length))).reduce((a, b) => a + b)
  t.equal(report.stream?.bytes, report.bytes + copyBytes, 'the second copies are the only bytes beyond the series')
  t.same(report.copies.map((c) => [c.name, [...c.stored].sort(), c.missed]), ['metadata.json', 'final_metadata.json', 'events.json'].map((f) => [f, [...urls].sort(), []]))
  t.same(report.unreachable, [], 'every file on a server that is up')
  t.same(order.slice(-2), ['final_metadata.json', 'events.json'], 'the completion marker last')
  for (const i of [0, 1]) {
    t.same((await onDisk(i)).filter((f) => !f.endsWith('.pzf')), ['events.json', 'final_metadata.json', 'metadata.json'], `the three series files on server ${i}`)
  }

  // floor(n / 50) mod 2: frames 0-49 and 100-119 on the first server, 50-99 on the second.
  const frameIndices = (names: string[]): number[] => names.filter((n) => n.endsWith('.pzf')).map((n) => Number(n.slice(5, 10)))
  // A frame whose server is more than a window behind goes to the next one (counted).
  const on = [new Set(frameIndices(await onDisk(0))), new Set(frameIndices(await onDisk(1)))]
  t.equal(on[0]!.size + on[1]!.size, 120, 'each frame on one server')
  const byRule = frames.filter((_, n) => on[Math.floor(n / 50) % 2]!.has(n)).length
  t.equal(120 - byRule, report.stream?.rerouted, 'every frame on its chunk\'s server unless counted as re-routed')
  t.ok(byRule > 60, `${byRule} of 120 frames where the chunked distribution put them`)

  // Every frame: DimOrder F, Width = x size, FrameNum = n, SequenceID = imageID.
  const file = await readFile(join(servers[on[1]!.has(77) ? 1 : 0]!.root, name, 'frame00077.pzf'))
  const header = readPzfHeader(file)
  t.equal(header.dimOrder, 'F')
  t.equal(header.width, W)
  t.equal(header.height, H)
  t.equal(header.frameNum, 77)
  t.equal(header.sequenceId, BigInt(backend.sequenceId))
  t.equal(header.compression, 'huffman')

  const reader = await SeriesReader.open(backend.getURL(), { servers: urls, cluster: noDiscovery, settleMs: 0 })
  t.equal(reader.isComplete, true)
  t.equal(reader.frameCount, 120)
  t.equal(reader.metadata.get('imageID'), backend.sequenceId)
  t.equal(reader.metadata.get('SizeT'), -1)
  t.same(await compareReadBack(reader, frames), { read: 120, differing: [] })
  t.same((await reader.events()).map((e) => [e.name, e.description]), [['StartAq', '120'], ['ProtocolFocus', '12, 3.5']])
  t.equal(reader.finalMetadata?.get('pyme-cluster.FramesStored'), 120)
  const stored = await reader.getFrameBytes(77)
  t.ok(Buffer.from(stored).equals(file), 'getFrameBytes: the stored file as it is')
  await reader.close()
  const closed = await backend.close()
  t.equal(closed.frames, 120)
  t.equal(closed.stream?.files, 126)
  t.throws(() => backend.storeFrame(120, cameraFrame(W, H, 0)), ClosedError)
})

t.test('by cluster: options, a connected Cluster (left open), serverfilter in the URL', async (t) => {
  const servers = await startDataServers(t, 1)
  const urls = servers.map((s) => s.url)
  const a = new ClusterBackend('/lab/a.pcs', { shape: [W, H], pool, cluster: { cluster: 'lab1', servers: urls, ...noDiscovery }, distribution: 'round-robin' })
  t.equal(a.getURL(), 'PYME-CLUSTER://lab1/lab/a.pcs')
  await a.initialize()
  for (let n = 0; n < 5; n++) a.storeFrame(n, cameraFrame(W, H, n))
  const ra = await a.close()
  t.equal(ra.frames, 5)
  t.equal(ra.stream?.nodes[urls[0]!]?.files, 8)

  const cluster = await Cluster.connect({ cluster: 'lab1', servers: urls, ...noDiscovery })
  t.teardown(() => cluster.close())
  const b = new ClusterBackend('lab/b.pcs', { shape: [W, H], pool, cluster, serverfilter: 'other', dtype: 'float32', compression: 'raw' })
  t.equal(b.getURL(), 'PYME-CLUSTER://other/lab/b.pcs')
  await b.initialize()
  const fb = frameOf('float32', W, H, 3) as Float32Array
  b.storeFrame(0, fb)
  await b.close()
  t.same((await cluster.listDirectory('lab/b.pcs', { fresh: true })).entries.map((e) => e.name), ['events.json', 'final_metadata.json', 'frame00000.pzf', 'metadata.json'], 'the given cluster is still open')
  const back = decodePzf(await cluster.getFile('lab/b.pcs/frame00000.pzf'))
  t.equal(back.dtype, 'float32')
  t.same([...back.data as Float32Array], [...fb])

  const c = new ClusterBackend('lab/c.pcs', { shape: [W, H], pool, cluster: 'lab1' })
  t.equal(c.getURL(), 'PYME-CLUSTER://lab1/lab/c.pcs')
  const report = await c.close()
  t.equal(report.stream, null, 'never initialized: nothing was started')
  t.equal(report.frames, 0)
})

t.test('an existing series is refused, cluster-wide; the name stays usable for nothing else', async (t) => {
  const servers = await startDataServers(t, 2)
  const urls = servers.map((s) => s.url)
  t.equal(await putRaw(servers[1]!, 'x/s.pcs/frame00003.pzf', 'not pzf'), 200)
  const b = new ClusterBackend('x/s.pcs', { shape: [W, H], servers: urls, pool })
  await t.rejects(b.initialize(), AlreadyExistsError)
  await t.rejects(b.initialize(), AlreadyExistsError, 'again: still there')
  t.throws(() => b.storeFrame(0, cameraFrame(W, H, 0)), InvalidArgumentError, 'no frames before initialize() resolved')
  await b.close()
  // A directory holding other files is not a series: allowed.
  t.equal(await putRaw(servers[0]!, 'x/t.pcs/notes.txt', 'hello'), 200)
  const ok = new ClusterBackend('x/t.pcs', { shape: [W, H], servers: urls, pool })
  await ok.initialize()
  ok.storeFrame(0, cameraFrame(W, H, 0))
  t.equal((await ok.close()).frames, 1)
})

t.test('bad frames and bad options are refused with typed errors', async (t) => {
  const servers = await startDataServers(t, 1)
  const urls = servers.map((s) => s.url)
  t.throws(() => new ClusterBackend('', { shape: [W, H], servers: urls }), InvalidArgumentError)
  t.throws(() => new ClusterBackend('a/../b', { shape: [W, H], servers: urls }), InvalidNameError)
  t.throws(() => new ClusterBackend(7 as unknown as string, { shape: [W, H], servers: urls }), InvalidArgumentError)
  t.throws(() => new ClusterBackend('s', null as unknown as { shape: [number, number] }), InvalidArgumentError)
  t.throws(() => new ClusterBackend('s', { shape: [W, H], servers: urls, cluster: 'x' }), /servers or cluster, not both/)
  t.throws(() => new ClusterBackend('s', { shape: [W, H], servers: ['ftp://x/'] }), /invalid servers/)
  t.throws(() => new ClusterBackend('s', { shape: [W, H], servers: urls, streamer: { filter: {} } as never }), /invalid streamer.filter/)
  t.throws(() => new ClusterBackend('s', { shape: [W, H], servers: urls, streamer: 3 as never }), /invalid streamer/)
  t.throws(() => new ClusterBackend('s', { shape: [W, H], servers: urls, overflow: 'x' as never }), /invalid overflow/)
  t.throws(() => new ClusterBackend('s', { shape: [W, H], cluster: 'lab', memoryBudget: 0 }), /invalid memoryBudget/)
  t.throws(() => new ClusterBackend('s', { shape: [W, H], cluster: 4 as never }), /invalid cluster/)
  t.throws(() => new ClusterBackend('s', { shape: [W, H], servers: urls, serverfilter: 'a/b' }), /invalid serverfilter/)
  t.throws(() => new ClusterBackend('s', { shape: [W, H], servers: urls, serverfilter: 5 as never }), /invalid serverfilter/)
  t.throws(() => new ClusterBackend('s', { shape: [W, H], servers: urls, quantization: { offset: -1, scale: 1 } }), /quantization.offset/)
  t.throws(() => new ClusterBackend('s', { shape: [W, H], servers: urls, quantization: { offset: 100, scale: 1000 } }), /quantization.scale/)
  t.throws(() => new ClusterBackend('s', { shape: [W, H], servers: urls, dtype: 'uint8', quantization: { offset: 1, scale: 1 } }), /only uint16/)
  t.throws(() => new ClusterBackend('s', { shape: [W, H], servers: urls, compression: 'raw', quantization: { offset: 1, scale: 1 } }), /needs compression/)
  t.throws(() => new ClusterBackend('s', { shape: [0, H], servers: urls }), /invalid shape/)

  const b = new ClusterBackend('bad/s.pcs', { shape: [W, H], servers: urls, pool, seriesShape: [W, H, 2, 2, 1] })
  await b.initialize()
  t.throws(() => b.storeFrame(0, new Uint8Array(W * H)), InvalidFrameError)
  t.throws(() => b.storeFrame(0, new Uint16Array(W * H - 1)), InvalidFrameError)
  t.throws(() => b.storeFrame(-1, cameraFrame(W, H, 0)), InvalidFrameError)
  t.throws(() => b.storeFrame(1.5, cameraFrame(W, H, 0)), InvalidFrameError)
  t.throws(() => b.storeFrame(4, cameraFrame(W, H, 0)), /out of range/, 'beyond Z*T*C')
  t.throws(() => b.storeFrame(0, [1, 2] as unknown as Uint16Array), InvalidFrameError)
  t.ok(b.storeFrame(0, cameraFrame(W, H, 0)))
  t.throws(() => b.storeFrame(0, cameraFrame(W, H, 0)), DuplicateFrameError)
  const report = await b.close()
  t.equal(report.frames, 1, 'the refused frames did not count, the good one was stored')
  t.same(report.failed, [])
  t.equal(report.stream?.files, 4)
})

t.test('a frame the cluster refuses: finalize() names it, the marker still comes last', async (t) => {
  const servers = await startDataServers(t, 1)
  const b = new ClusterBackend('f/s.pcs', { shape: [W, H], servers: [servers[0]!.url], pool, streamer: { maxAttempts: 2 } })
  await b.initialize()
  // Someone else writes frame 2 first (write-once: the server answers 405).
  t.equal(await putRaw(servers[0]!, 'f/s.pcs/frame00002.pzf', 'someone else'), 200)
  for (let n = 0; n < 4; n++) b.storeFrame(n, cameraFrame(W, H, n))
  const err = await b.finalize().then(() => null, (e: unknown) => e)
  t.ok(err instanceof StoreFailedError)
  const failure = err as StoreFailedError
  t.same(failure.failed, ['frame00002.pzf'])
  const report = failure.report
  // Typed: a ClusterBackend's report is told apart by its `stream`, without a cast.
  if (report === undefined || !('stream' in report)) throw new Error('expected a ClusterBackend report')
  t.equal(report.frames, 3)
  t.equal(report.complete, true, 'events.json written: the gap is recorded in final_metadata.json')
  t.equal(report.stream?.failed[0]?.path, 'f/s.pcs/frame00002.pzf')
  t.ok(report.stream?.failed[0]?.error instanceof AlreadyExistsError)
  await t.rejects(b.close(), StoreFailedError)
  const final = JSON.parse(await readFile(join(servers[0]!.root, 'f/s.pcs/final_metadata.json'), 'utf8')) as Record<string, unknown>
  t.equal(final['pyme-cluster.FramesStored'], 3)
  t.equal(final['pyme-cluster.FrameCount'], 4)
})

t.test('quantised frames are within the quantiser bound', async (t) => {
  const servers = await startDataServers(t, 1)
  const q = { offset: 100, scale: 1 }
  const b = new ClusterBackend('q/s.pcs', { shape: [W, H], servers: [servers[0]!.url], pool, quantization: q })
  await b.initialize()
  const frames = Array.from({ length: 6 }, (_, n) => cameraFrame(W, H, n))
  frames.forEach((f, n) => b.storeFrame(n, f))
  await b.close()
  const reader = await SeriesReader.open(b.getURL(), { servers: [servers[0]!.url], cluster: noDiscovery, settleMs: 0 })
  let n = 0
  let worst = 0
  for await (const f of reader.frames()) {
    t.equal(f.header.quantization?.offset, 100)
    const want = frames[n++]!
    const got = f.data as Uint16Array
    for (let i = 0; i < want.length; i++) {
      const d = want[i]!
      const bound = d < q.offset ? 0 : q.scale * Math.sqrt(d - q.offset) + q.scale * q.scale / 4 + 1
      const err = d < q.offset ? (got[i] === q.offset ? 0 : Infinity) : Math.abs(d - got[i]!)
      worst = Math.max(worst, err / Math.max(bound, 1e-9))
    }
  }
  t.equal(n, 6)
  t.ok(worst <= 1, `every pixel within the bound (worst ${worst.toFixed(3)} of the bound)`)
  await reader.close()
})

t.test('overflow drop: frames that do not fit are dropped, counted and named', async (t) => {
  const servers = await startDataServers(t, 1)
  const b = new ClusterBackend('d/s.pcs', { shape: [W, H], servers: [servers[0]!.url], pool: false, overflow: 'drop', memoryBudget: 2000 })
  await b.initialize()
  for (let n = 0; n < 20; n++) b.storeFrame(n, cameraFrame(W, H, n))
  const err = await b.finalize().then(() => null, (e: unknown) => e) as StoreFailedError
  t.ok(err instanceof StoreFailedError)
  const report = err.report as { frames: number, stream: { dropped: number } }
  t.ok(report.stream.dropped > 0, `${report.stream.dropped} dropped`)
  t.equal(report.frames + report.stream.dropped, 20, 'every frame stored or counted as dropped')
  t.equal(err.failed.length, report.stream.dropped)
  await b.close().catch(() => {})
})

t.test('destroy: no completion marker, later calls refused', async (t) => {
  const servers = await startDataServers(t, 1, { testDelayMs: 200 })
  const b = new ClusterBackend('z/s.pcs', { shape: [W, H], servers: [servers[0]!.url], pool })
  await b.initialize()
  for (let n = 0; n < 3; n++) b.storeFrame(n, cameraFrame(W, H, n))
  b.destroy(new Error('camera fault'))
  b.destroy()
  t.throws(() => b.storeFrame(3, cameraFrame(W, H, 3)), DestroyedError)
  await t.rejects(b.finalize(), DestroyedError)
  await t.rejects(b.close(), DestroyedError)
  const names: string[] = await readdir(join(servers[0]!.root, 'z/s.pcs')).catch(() => [])
  t.notOk(names.includes('events.json'))

  // Destroyed while connecting: the cluster client it was starting is torn down.
  const c = new ClusterBackend('z/t.pcs', { shape: [W, H], pool, cluster: { cluster: 'c1', servers: [servers[0]!.url], ...noDiscovery } })
  const init = c.initialize()
  c.destroy()
  await t.rejects(init, ClosedError)
})

t.test('no server answers: initialize() fails, and may be retried', async (t) => {
  const b = new ClusterBackend('n/s.pcs', { shape: [W, H], servers: ['http://127.0.0.1:1/'], pool, discoveryTimeoutMs: 200 })
  t.throws(() => new ClusterBackend('n/s.pcs', { shape: [W, H], servers: ['http://127.0.0.1:1/'], discoveryTimeoutMs: -1 }), /invalid discoveryTimeoutMs/)
  await t.rejects(b.initialize(), { code: 'PYME_ERR_NO_SERVERS' })
  await t.rejects(b.initialize(), { code: 'PYME_ERR_NO_SERVERS' })
  await b.close()
})
