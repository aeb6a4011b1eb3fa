// A custom distribution function: which data server each file of a series goes to.
// Servers: PYME_CLUSTER_SERVERS="http://a/ http://b/ ..." or two data servers started here.
//   node custom-distribution.ts   (Node 22.18+ and 24 run TypeScript; on Node 20: npx tsx custom-distribution.ts)
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClusterBackend, type DistributionFn } from 'pyme-cluster'
import { startDataServer } from 'pyme-cluster/server'

const given = process.env['PYME_CLUSTER_SERVERS']?.split(/[\s,]+/).filter(Boolean)
const root = given === undefined ? await mkdtemp(join(tmpdir(), 'example-')) : null
const started = root === null ? [] : await Promise.all([0, 1].map(async (i) => await startDataServer({ root: join(root, `n${i}`), port: 0, advertise: 'none' })))
const servers = given ?? started.map((s) => s.url)

// Z stacks of 20 planes stay together on one server (PYME's signature: (nServers, i) => index);
// files without a frame index (metadata, events) go to the least loaded server that is up.
const byStack: DistributionFn = (nNodes, { index, nodes }) => {
  if (index !== undefined) return Math.floor(index / 20) % nNodes
  let best = 0
  for (let i = 1; i < nNodes; i++) if (nodes[i]!.state === 'up' && nodes[i]!.queuedBytes < nodes[best]!.queuedBytes) best = i
  return best
}

const [width, height] = [256, 256]
const backend = new ClusterBackend(`examples/stacks-${Date.now()}.pcs`, {
  shape: [width, height],
  seriesShape: [width, height, 20, 5, 1], // [X, Y, Z, T, C]: 5 stacks of 20 planes, 100 frames
  servers,
  distribution: byStack // a node that is down or saturated gets nothing: the file goes to the next one
})
await backend.initialize()
const plane = new Uint16Array(width * height)
for (let n = 0; n < 100; n++) {
  plane.fill(100 + n)
  if (!backend.storeFrame(n, plane)) await backend.ready()
}
const report = await backend.close()
for (const [url, node] of Object.entries(report.stream?.nodes ?? {})) console.log(`${url}: ${node.files} files`)
console.log(`re-routed ${report.stream?.rerouted ?? 0}, frames ${report.frames}`)

await Promise.all(started.map(async (s) => await s.close()))
if (root !== null) await rm(root, { recursive: true, force: true })
