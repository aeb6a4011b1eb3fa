// What a user's TypeScript writes against every export of pyme-cluster. packed-package.test.ts
// copies it into a project that installed the packed tarball, compiles it with that project's
// tsc (nodenext, strict, the package's own .d.ts checked) and runs it; it prints one JSON line.
// In the repository the typecheck resolves 'pyme-cluster' to the sources (tsconfig paths).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cluster, ClusterBackend, SeriesReader, PymeError, type ClusterBackendOptions, type ClusterBackendReport } from 'pyme-cluster'
import { decodePzf, encodePzf, PzfEncoderPool, type PzfEncodeOptions } from 'pyme-cluster/pzf'
import { startDataServer, type DataServer } from 'pyme-cluster/server'
import { parseServerAddress, startDiscovery, type KnownServer, type NodeDirectory } from 'pyme-cluster/discovery'

const root = await mkdtemp(join(tmpdir(), 'user-'))
const server: DataServer = await startDataServer({ root, port: 0, advertise: 'none' })
const { address, port } = parseServerAddress(server.url)

const options: ClusterBackendOptions = { shape: [32, 16], servers: [`${address}:${port}`] }
const backend = new ClusterBackend('user/s.pcs', options)
await backend.initialize()
for (let n = 0; n < 5; n++) if (!backend.storeFrame(n, new Uint16Array(32 * 16).fill(n))) await backend.ready()
const report: ClusterBackendReport = await backend.close()

const reader = await SeriesReader.open(report.url, { servers: [server.url], cluster: { registry: false, mdns: false } })
const frame = await reader.getFrame(4)

const encodeOptions: PzfEncodeOptions = { shape: [2, 2] }
const decoded = decodePzf(encodePzf(new Uint16Array(4).fill(7), encodeOptions))
const pool = new PzfEncoderPool({ size: 1 })
const pooled = decodePzf(await pool.encode(new Uint16Array(4).fill(3), encodeOptions))
await pool.close()

const directory: NodeDirectory = await startDiscovery({ servers: [server.url], registry: false, mdns: false })
await directory.waitForServers()
const known: readonly KnownServer[] = directory.known()
const cluster = await Cluster.connect({ directory })
const statuses = (await cluster.status()).map((s) => s.responsive)
let notFound = ''
try {
  await cluster.getFile('user/none.txt')
} catch (err) {
  if (err instanceof PymeError) notFound = err.code
}
await cluster.close()
await directory.close()
await reader.close()
await server.close()
await rm(root, { recursive: true, force: true })

if (notFound !== 'PYME_ERR_NOT_FOUND') throw new Error(`expected PYME_ERR_NOT_FOUND, got '${notFound}'`)
console.log(JSON.stringify({
  frames: report.frames,
  complete: report.complete,
  readerFrames: reader.frameCount,
  pixel: frame.data[0],
  pzf: decoded.data[3],
  known: known.length,
  statuses,
  address: parseServerAddress('127.0.0.1').url,
  pool: pooled.data[0]
}))
