// Talking to a cluster by name: servers found by discovery (PYME's host-local SQLite registry
// here; mDNS on a rig's network). With PYME_CLUSTER=<name> it uses that existing cluster (the
// default registry and mDNS); otherwise it starts a data server registered as cluster
// 'example-lab' in a registry of its own (the real one is left alone).
//   node cluster-by-name.ts   (Node 22.18+ and 24 run TypeScript; on Node 20: npx tsx cluster-by-name.ts)
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cluster, ClusterBackend, type ClusterOptions } from 'pyme-cluster'
import { startDataServer } from 'pyme-cluster/server'

const existing = process.env['PYME_CLUSTER']
const dir = existing === undefined ? await mkdtemp(join(tmpdir(), 'example-')) : null
const registry = dir === null ? undefined : join(dir, '_pyme-http.sqlite')
const server = dir === null
  ? null // PYME's `python -m PYME.cluster.HTTPDataServer -a local` registers the same way
  : await startDataServer({ root: join(dir, 'data'), port: 0, cluster: 'example-lab', advertise: 'local', registryPath: registry! })

const options: ClusterOptions = existing !== undefined
  ? { cluster: existing }
  : { cluster: 'example-lab', registry: { path: registry! }, mdns: false }
const cluster = await Cluster.connect(options)
console.log(`cluster '${cluster.cluster}':`, cluster.servers().map((s) => `${s.name} at ${s.url}`).join(', '))

// A series by cluster name: the backend follows the cluster's servers as they come and go.
const backend = new ClusterBackend(`examples/by-name-${Date.now()}.pcs`, { shape: [128, 128], cluster })
await backend.initialize()
for (let n = 0; n < 10; n++) backend.storeFrame(n, new Uint16Array(128 * 128).fill(n))
const report = await backend.close()
console.log(`${report.url}: ${report.frames} frames`) // PYME-CLUSTER://example-lab/examples/...

const listing = await cluster.listDirectory('examples/', { fresh: true })
console.log('examples/:', listing.entries.map((e) => e.name + (e.isDirectory ? '/' : '')).join(' '))
await cluster.close()
await server?.close()
if (dir !== null) await rm(dir, { recursive: true, force: true })
