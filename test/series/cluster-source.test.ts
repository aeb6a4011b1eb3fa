import t from 'tap'
import { request } from 'undici'
import { Cluster } from '../../lib/cluster/cluster.js'
import type { ClusterOptions } from '../../lib/cluster/cluster-options.js'
import { MemoryBackend } from '../../lib/backends/memory-backend.js'
import type { DataServer } from '../../lib/server/index.js'
import { ClusterSource } from '../../lib/series/cluster-source.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import { startDataServers } from '../helpers/data-servers.js'
import { cameraFrame, compareReadBack } from '../backends/frames.js'
import { readVectorPzf } from '../helpers/pzf-vectors.js'


/** PUT one file on one server, as a writer of the series would. */
async function put (server: DataServer, path: string, body: Uint8Array | string): Promise<void> {
  const res = await request(`${server.url}${path}`, { method: 'PUT', body: typeof body === 'string' ? body : Buffer.from(body) })
  await res.body.dump()
  if (res.statusCode !== 200) throw new Error(`PUT ${path}: ${res.statusCode}`)
}

function clusterOptions (servers: readonly DataServer[]): ClusterOptions {
  return { cluster: 'testc', servers: servers.map((s) => s.url), registry: false, mdns: false, env: {}, probeIntervalMs: 60_000 }
}

t.test('a series spread over two servers, read by PYME-CLUSTER:// URI', async (t) => {
  const servers = await startDataServers(t, 2)
  const backend = new MemoryBackend({ shape: [16, 12] })
  await backend.initialize()
  const frames = Array.from({ length: 40 }, (_, n) => cameraFrame(16, 12, n))
  frames.forEach((f, n) => backend.storeFrame(n, f.slice()))
  backend.logEvent('StartAq', '0', 1)
  // Write it as a cluster backend would, part first: metadata and the first 25 frames.
  const name = 'jdoe/2024_5_1/1_5_series_A.pcs'
  await put(servers[0]!, `${name}/metadata.json`, backend.files.get('metadata.json')!)
  for (let n = 0; n < 25; n++) {
    const f = `frame${String(n).padStart(5, '0')}.pzf`
    await put(servers[Math.floor(n / 10) % 2]!, `${name}/${f}`, backend.files.get(f)!)
  }
  const reader = await SeriesReader.open(`PYME-CLUSTER://testc/${name}`, { cluster: clusterOptions(servers), settleMs: 10 })
  t.equal(reader.url, `PYME-CLUSTER://testc/${name}`)
  t.equal(reader.isComplete, false)
  t.equal(reader.frameCount, 25)
  t.equal(reader.metadata.get('imageID'), backend.sequenceId)
  await backend.finalize()
  for (let n = 25; n < 40; n++) {
    const f = `frame${String(n).padStart(5, '0')}.pzf`
    await put(servers[Math.floor(n / 10) % 2]!, `${name}/${f}`, backend.files.get(f)!)
  }
  await put(servers[1]!, `${name}/final_metadata.json`, backend.files.get('final_metadata.json')!)
  await put(servers[0]!, `${name}/events.json`, backend.files.get('events.json')!)
  const status = await reader.refresh()
  t.same(status, { complete: true, frameCount: 40, contiguousFrames: 40, missingCount: 0, unreachableCount: 0, unreachableServers: [] })
  t.same(await compareReadBack(reader, frames), { read: 40, differing: [] }, 'every frame bit for bit, from whichever server holds it')
  t.same((await reader.events()).map((e) => e.name), ['StartAq'])
  await reader.close()

  // The triple-slash form, with static servers only.
  const again = await SeriesReader.open(`pyme-cluster:///${name}`, { servers: servers.map((s) => s.url), cluster: { registry: false, mdns: false, env: {} }, settleMs: 0 })
  t.equal(again.frameCount, 40)
  t.equal(again.url, `PYME-CLUSTER:///${name}`)
  await again.close()
})

t.test('a PYME-written series on a cluster', async (t) => {
  const servers = await startDataServers(t, 1)
  const names = ['u2_camera_128x128_huff', 'u2_camera_128x128_huff_F', 'u2_13x7_huff']
  await put(servers[0]!, 's.pcs/metadata.json', '{\n  "DimOrder": "XYCZT",\n  "SizeC": 1,\n  "SizeT": -1,\n  "SizeZ": 1,\n  "imageID": 0\n}')
  for (const [i, n] of names.entries()) await put(servers[0]!, `s.pcs/frame0000${i}.pzf`, readVectorPzf(n))
  await put(servers[0]!, 's.pcs/events.json', '[]')
  const cluster = await Cluster.connect(clusterOptions(servers))
  t.teardown(() => cluster.close())
  const reader = await SeriesReader.open('PYME-CLUSTER://testc/s.pcs', { cluster, settleMs: 0 })
  t.equal(reader.isComplete, true)
  t.equal(reader.frameCount, 3)
  t.equal((await reader.getFrame(1)).dimOrder, 'F')
  await reader.close()
  t.same(await cluster.listdir('s.pcs'), ['events.json', 'frame00000.pzf', 'frame00001.pzf', 'frame00002.pzf', 'metadata.json'], 'a given cluster is left open')
})

t.test('what cannot be read', async (t) => {
  const servers = await startDataServers(t, 1)
  const cluster = await Cluster.connect(clusterOptions(servers))
  t.teardown(() => cluster.close())
  await t.rejects(SeriesReader.open('PYME-CLUSTER://testc/none.pcs', { cluster }), { code: 'PYME_ERR_NOT_FOUND', message: /is not a series/ })
  await put(servers[0]!, 'm/metadata.json', '{}')
  const src = await ClusterSource.open('PYME-CLUSTER://testc/m', { cluster })
  t.equal(src.settleMs, 1000, 'cluster listings get a settle time by default')
  t.equal(src.path, 'm')
  await t.rejects(src.read('frame00000.pzf'), { code: 'PYME_ERR_NOT_FOUND' })
  t.equal(await src.exists('events.json'), false)
  const gone = await ClusterSource.open('PYME-CLUSTER://testc/not/there', { cluster })
  await t.rejects(gone.list(), { code: 'PYME_ERR_NOT_FOUND', message: /does not exist on any server/ })
  await t.rejects(ClusterSource.open('PYME-CLUSTER://testc', { cluster }), { code: 'PYME_ERR_INVALID_URI' })
  await t.rejects(ClusterSource.open('PYME-CLUSTER://testc/', { cluster }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /root/ })
  await t.rejects(ClusterSource.open('PYME-CLUSTER://testc/a/../b', { cluster }), { code: 'PYME_ERR_INVALID_NAME' })
  await t.rejects(ClusterSource.open('PYME-CLUSTER://testc/m', { cluster, settleMs: -1 }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /settleMs/ })
  await t.rejects(ClusterSource.open('PYME-CLUSTER://testc/m', { cluster: 5 as never }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /cluster/ })
  await t.rejects(ClusterSource.open('PYME-CLUSTER://nosuch/m', { cluster: { servers: [], registry: false, mdns: false, env: {}, discoveryTimeoutMs: 50 } }), { code: 'PYME_ERR_NO_SERVERS' })
})
