/**
 * `/api/`: what the page reads, against real data servers: cluster, nodes (with the write rate
 * once two polls are in), listings, series (complete, in progress, with gaps), frames as stored.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import type { ClusterInfo, Listing, NodesInfo, SeriesInfo } from '../../lib/console/api-types.js'
import { connect, fetchRaw, plantFile, pzfFrame, servers, startTestConsole, writeSeries } from './console-helpers.js'

t.test('the console API', async (t) => {
  const nodes = await servers(t, 2)
  const urls = nodes.map((s) => s.url)
  await writeSeries(urls, 'api/done.pcs', 12, { events: [['StartAq', 'now']] })
  const live = await writeSeries(urls, 'api/live.pcs', 3, { finalize: false })
  t.teardown(() => live.destroy())
  await plantFile(nodes[0]!, 'api/gaps.pcs/metadata.json', '{"voxelsize.x": 0.1}')
  for (const n of [0, 1, 4]) await plantFile(nodes[0]!, `api/gaps.pcs/frame0000${n}.pzf`, pzfFrame(n))
  await plantFile(nodes[0]!, 'api/gaps.pcs/events.json', '[["a", "b", 1.5]]')
  const cluster = await connect(t, urls)
  const c = await startTestConsole(t, cluster)
  const json = async <T>(path: string): Promise<T> => {
    const r = await fetchRaw(c.url + path)
    t.equal(r.status, 200, path)
    t.equal(r.headers['cache-control'], 'no-store')
    return JSON.parse(r.body.toString()) as T
  }

  t.match(await json<ClusterInfo>('api/cluster'), { cluster: 'consoletest', servers: 2, dav: '/dav/', readOnly: true })
  const first = await json<NodesInfo>('api/nodes')
  t.equal(first.nodes.length, 2)
  t.match(first.nodes[0], { responsive: true, error: null, disk: { free: Number } })
  await json<NodesInfo>('api/nodes?fresh=1')
  const later = await json<NodesInfo>('api/nodes?fresh=1')
  t.ok(later.nodes.every((n) => typeof n.writeRate === 'number' && n.writeRate >= 0), 'a write rate once two polls are in')
  t.ok(later.polledAt > 0)

  const list = await json<Listing>('api/list?path=api')
  t.same(list.entries.map((e) => [e.name, e.series, e.complete]), [['done.pcs', true, true], ['gaps.pcs', true, true], ['live.pcs', true, false]])
  t.equal(list.entries[0]?.dav, '/dav/api/done.pcs/')
  t.same(list.unreachable, [])
  t.equal((await fetchRaw(`${c.url}api/list?path=nowhere`)).status, 400)
  t.equal((await fetchRaw(`${c.url}api/list?path=../x`)).status, 400)

  const done = await json<SeriesInfo>('api/series?path=api/done.pcs')
  t.match(done, { complete: true, frameCount: 12, contiguousFrames: 12, missingCount: 0, geometry: { width: 40, height: 24, depth: 1, dtype: 'uint16', dimOrder: 'F' } })
  t.match(done.tiff, { href: '/dav/api/done.pcs.tif', frames: 12, bigTiff: false })
  t.same(done.events.map((e) => [e.name, e.description]), [['StartAq', 'now']])
  t.ok(done.metadata?.some(([k, v]) => k === 'voxelsize.x' && v === '0.065'))
  t.ok(done.finalMetadata?.some(([k]) => k === 'pyme-cluster.FramesStored'))
  const gaps = await json<SeriesInfo>('api/series?path=api/gaps.pcs&fresh=1')
  t.match(gaps, { complete: true, frameCount: 5, contiguousFrames: 2, missingCount: 2, missingFrames: [2, 3] })
  t.match(gaps.tiff, { frames: 5 })
  const liveInfo = await json<SeriesInfo>('api/series?path=api/live.pcs')
  t.match(liveInfo, { complete: false, frameCount: 3, contiguousFrames: 3, events: [], finalMetadata: null })
  t.equal((await fetchRaw(`${c.url}api/series?path=api`)).status, 404, 'not a series')

  const frame = await fetchRaw(`${c.url}api/frame?path=api/gaps.pcs&i=4`)
  t.same(frame.body, await readFile(join(nodes[0]!.root, 'api/gaps.pcs/frame00004.pzf')), 'the PZF file as stored')
  t.match(String(frame.headers['cache-control']), /immutable/)
  t.equal((await fetchRaw(`${c.url}api/frame?path=api/gaps.pcs&i=2`)).status, 404)
  for (const i of ['-1', 'x', '1e3', '99999999999', '']) t.equal((await fetchRaw(`${c.url}api/frame?path=api/gaps.pcs&i=${i}`)).status, 400, `i=${i}`)
  t.equal((await fetchRaw(`${c.url}api/nothing`)).status, 404)
  t.equal((await fetchRaw(`${c.url}api/cluster`, { method: 'HEAD' })).body.length, 0)
})
