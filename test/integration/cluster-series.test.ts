/**
 * End to end on real data servers on loopback: ClusterBackend → Streamer → data servers →
 * SeriesReader (and a reader that knows only PROTOCOL.md §7-§8, over plain HTTP).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { DuplicateFrameError, InvalidFrameError } from '../../lib/errors.js'
import { decodePzf } from '../../lib/pzf/decode-pzf.js'
import { PzfEncoderPool } from '../../lib/pzf/pzf-encoder-pool.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import { type DataServer, type RequestMessage } from '../../lib/server/index.js'
import { cameraFrame } from '../backends/frames.js'
import { startDataServers } from '../helpers/data-servers.js'
import { startServerProcess } from '../helpers/server-process.js'

const W = 64
const H = 64
const noDiscovery = { registry: false, mdns: false, env: {}, probeIntervalMs: 60_000 } as const
const pool = new PzfEncoderPool({ size: 2 })
t.teardown(() => pool.close())

/** A few distinct frames reused: camera-like pixels without generating 10,000 of them. */
const ring = Array.from({ length: 16 }, (_, i) => cameraFrame(W, H, i))
function frame (n: number): Uint16Array {
  const f = ring[n % ring.length]!.slice()
  f[0] = n & 0xffff
  return f
}

// Data roots in memory where there is a tmpfs: a data server spends most of its time per
// small file in filesystem calls (temp file, chmod, link, unlink), 2x faster on tmpfs.
const fastTmp = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()

async function root (t: Test): Promise<string> {
  const dir = await mkdtemp(join(fastTmp, 'pyme-it-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function servers (t: Test, n: number): Promise<DataServer[]> {
  const out: DataServer[] = []
  for (let i = 0; i < n; i++) out.push(...await startDataServers(t, 1, { root: await root(t) }))
  return out
}

/** Reads frames 0..n-1 (64 at a time) and compares them with `frame(n)`; the indices that differ. */
async function readBack (reader: SeriesReader, n: number): Promise<number[]> {
  const differing: number[] = []
  for (let base = 0; base < n; base += 64) {
    const batch = await Promise.all(Array.from({ length: Math.min(64, n - base) }, async (_, k) => await reader.getFrame(base + k)))
    batch.forEach((f, k) => { if (f.dimOrder !== 'F' || !Buffer.from(f.data.buffer).equals(Buffer.from(frame(base + k).buffer))) differing.push(base + k) })
  }
  return differing
}

async function getJson (url: string): Promise<unknown> {
  const res = await request(url)
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode}`)
  return await res.body.json()
}

t.test('10,000 frames on 3 servers: the completion marker after every frame, read back bit for bit', async (t) => {
  const nodes = await servers(t, 3)
  const urls = nodes.map((s) => s.url)
  const name = 'it/2024_5_1/1_5_series_A.pcs'
  const N = 10_000
  // What the servers stored, in the order they answered 200.
  const stored: string[] = []
  const storedOn = new Map<string, string[]>(urls.map((u) => [u, []]))
  const onRequest = (m: unknown): void => {
    const r = m as RequestMessage
    if (r.method !== 'PUT' || r.status !== 200 || !r.url.startsWith(`/${name}/`)) return
    stored.push(r.url.slice(name.length + 2))
    storedOn.get(r.server)?.push(r.url.slice(name.length + 2))
  }
  subscribe('pyme:server:request', onRequest)
  t.teardown(() => unsubscribe('pyme:server:request', onRequest))

  // 64x64 frames encode in microseconds: on this thread (pool: false) rather than a round trip to a worker each.
  const backend = new ClusterBackend(name, { shape: [W, H], servers: urls, pool: false })
  await backend.initialize()
  const acks: string[] = []
  backend.streamer?.on('ack', (a) => acks.push(a.path.slice(name.length + 1)))
  for (let n = 0; n < N; n++) {
    if (n === 5000) {
      // Bad frames in the middle of a series: refused, the series goes on, nothing lost.
      t.throws(() => backend.storeFrame(n, new Uint16Array(W * H + 1)), InvalidFrameError)
      t.throws(() => backend.storeFrame(n, new Float32Array(W * H)), InvalidFrameError)
      t.throws(() => backend.storeFrame(4999, frame(4999)), DuplicateFrameError)
    }
    if (!backend.storeFrame(n, frame(n))) await backend.ready()
  }
  const report = await backend.finalize()
  t.equal(report.frames, N)
  t.equal(report.failed.length, 0)
  // metadata.json, final_metadata.json and events.json: one copy on every node.
  const copies = 3 * urls.length
  t.equal(report.stream?.files, N + copies)
  t.equal(report.stream?.failed.length, 0)
  for (const url of urls) t.ok((report.stream?.nodes[url]?.files ?? 0) > 2000, `${url} took its share`)

  const last = (names: readonly string[]): string[] => names.slice(-2 * urls.length).sort()
  const completion = [...Array<string>(urls.length).fill('events.json'), ...Array<string>(urls.length).fill('final_metadata.json')]
  t.equal(stored.length, N + copies)
  for (const [url, names] of storedOn) {
    t.equal(names[0], 'metadata.json', `metadata.json stored on ${url} before any frame`)
    t.same(names.slice(-2), ['final_metadata.json', 'events.json'], `events.json stored last on ${url}, after every frame (server order)`)
  }
  t.same(last(stored), completion, 'the completion files after every frame of every node')
  t.same(last(acks), completion, 'and acknowledged last')

  const reader = await SeriesReader.open(backend.getURL(), { servers: urls, cluster: noDiscovery, settleMs: 50 })
  t.equal(reader.isComplete, true)
  t.equal(reader.frameCount, N)
  t.same(reader.missingFrames, [])
  t.same(await readBack(reader, N), [], 'every frame read back bit for bit')
  await reader.close()
  for (const s of nodes) t.ok(await getJson(`${s.url}__status`), 'every server still serving')
})

t.test('quantised, read by SeriesReader and by a reader that knows only §7-§8 (plain HTTP)', async (t) => {
  const nodes = await servers(t, 3)
  const urls = nodes.map((s) => s.url)
  const name = 'it/quantised.pcs'
  const N = 300
  const q = { offset: 100, scale: 1 }
  const backend = new ClusterBackend(name, { shape: [W, H], servers: urls, pool, quantization: q, distribution: 'round-robin' })
  backend.mdh.setFloat('Camera.ADOffset', 100)
  await backend.initialize()
  for (let n = 0; n < N; n++) if (!backend.storeFrame(n, frame(n))) await backend.ready()
  backend.logEvent('StartAq', '0', 1716872400.5)
  const report = await backend.close()
  t.equal(report.frames, N)

  const reader = await SeriesReader.open(`PYME-CLUSTER:///${name}`, { servers: urls, cluster: noDiscovery, settleMs: 50 })
  let n = 0
  let outside = 0
  for await (const f of reader.frames()) {
    const want = frame(n++)
    const got = f.data as Uint16Array
    for (let i = 0; i < want.length; i++) {
      const d = want[i]!
      const ok = d < q.offset ? got[i] === q.offset : Math.abs(d - got[i]!) <= q.scale * Math.sqrt(d - q.offset) + q.scale * q.scale / 4 + 1
      if (!ok) outside++
    }
  }
  t.equal(n, N)
  t.equal(outside, 0, 'every pixel within the quantiser\'s error')
  await reader.close()

  // §8 by hand: union of the per-server listings, metadata.json, frames by name, events.json.
  const files = new Map<string, string>()
  for (const s of nodes) {
    const listing = await getJson(`${s.url}${name}/`) as Record<string, [number, number]>
    for (const f of Object.keys(listing)) files.set(f, s.url)
  }
  const frames = [...files.keys()].filter((f) => f.endsWith('.pzf')).sort()
  t.equal(frames.length, N)
  t.equal(frames[0], 'frame00000.pzf')
  t.equal(frames[N - 1], `frame${String(N - 1).padStart(5, '0')}.pzf`)
  const metadata = await getJson(`${files.get('metadata.json')}${name}/metadata.json`) as Record<string, unknown>
  t.equal(metadata['imageID'], backend.sequenceId)
  t.equal(metadata['Camera.ADOffset'], 100)
  t.same([metadata['SizeC'], metadata['SizeT'], metadata['SizeZ'], metadata['DimOrder']], [1, -1, 1, 'XYCZT'])
  t.same(await getJson(`${files.get('events.json')}${name}/events.json`), [['StartAq', '0', 1716872400.5]])
  let decoded = 0
  for (const f of frames) {
    const res = await request(`${files.get(f)}${name}/${f}`)
    const pzf = decodePzf(new Uint8Array(await res.body.arrayBuffer()))
    if (pzf.header.frameNum === Number(f.slice(5, 10)) && pzf.shape[0] === W && pzf.dimOrder === 'F' && pzf.header.quantization?.scale === 1) decoded++
  }
  t.equal(decoded, N, 'every frame decodes, numbered as named')
})

t.test('a node killed mid-series: finalize() still stores every frame elsewhere', async (t) => {
  const live = await servers(t, 2)
  const doomedRoot = await root(t)
  const doomed = await startServerProcess({ root: doomedRoot })
  t.teardown(() => doomed.stop())
  const urls = [live[0]!.url, doomed.url, live[1]!.url]
  const name = 'it/killed.pcs'
  const N = 1500
  const backend = new ClusterBackend(name, { shape: [W, H], servers: urls, pool, distribution: 'round-robin', streamer: { backoff: { minMs: 50, maxMs: 200 } } })
  await backend.initialize()
  const down: string[] = []
  backend.streamer?.on('node-down', (e) => down.push(e.url))
  for (let n = 0; n < N; n++) {
    if (n === 500) doomed.kill('SIGKILL')
    if (!backend.storeFrame(n, frame(n))) await backend.ready()
  }
  const report = await backend.finalize()
  t.equal(report.frames, N, 'every frame stored')
  t.same(report.failed, [])
  t.equal(report.complete, true)
  t.ok(down.includes(doomed.url), 'the killed node was seen down')
  const onDoomed = report.stream?.nodes[doomed.url]?.files ?? 0
  t.ok(onDoomed < N / 3, `the killed node stored ${onDoomed} files before it died; the rest went elsewhere`)
  t.ok((report.stream?.nodes[live[0]!.url]?.files ?? 0) + (report.stream?.nodes[live[1]!.url]?.files ?? 0) + onDoomed >= N + 3)

  // What the killed node had stored is on its disk: serve that root again to read the whole series.
  const [revived] = await startDataServers(t, 1, { root: doomedRoot })
  const reader = await SeriesReader.open(backend.getURL(), { servers: [live[0]!.url, revived!.url, live[1]!.url], cluster: noDiscovery, settleMs: 50 })
  t.equal(reader.isComplete, true)
  t.equal(reader.frameCount, N)
  t.same(await readBack(reader, N), [], 'every frame read back bit for bit')
  await reader.close()
})
