// Reading a series back: metadata, events and frames, from a cluster (PYME's series or ours)
// or from a local folder.
//   node read-series.ts [PYME-CLUSTER://<cluster>/<series> | <folder>]   (Node 22.18+; on 20: npx tsx)
// Without an argument it writes a small series to a data server started here and reads that.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClusterBackend, SeriesReader } from 'pyme-cluster'
import { startDataServer } from 'pyme-cluster/server'

let uri = process.argv[2]
const root = uri === undefined ? await mkdtemp(join(tmpdir(), 'example-')) : null
const server = root === null ? null : await startDataServer({ root, port: 0, advertise: 'none' })
const servers = server === null ? undefined : [server.url]
if (servers !== undefined) {
  const backend = new ClusterBackend('examples/to-read.pcs', { shape: [64, 32], servers })
  await backend.initialize()
  for (let n = 0; n < 25; n++) backend.storeFrame(n, new Uint16Array(64 * 32).fill(n))
  backend.logEvent('ProtocolFocus', '12, 3.5')
  uri = (await backend.close()).url // PYME-CLUSTER:///examples/to-read.pcs
}

// A PYME-CLUSTER:// URI is read through the cluster client (discovery by the URI's cluster
// name, or the servers given); a path or file:// URL as a local folder.
const reader = await SeriesReader.open(uri!, servers === undefined ? {} : { servers, cluster: { registry: false, mdns: false } })
console.log(`${reader.url}: ${reader.frameCount} frames, complete ${reader.isComplete}, imageID ${JSON.stringify(reader.metadata.get('imageID'))}`)
console.log('missing frames:', reader.missingFrames.length === 0 ? 'none' : reader.missingFrames.join(', '))
for (const e of await reader.events()) console.log(`event ${e.name} '${e.description}' at ${e.time}`)

let sum = 0
for await (const frame of reader.frames()) { // in index order; { follow: true } waits for a live series
  // data: the pixels in stored order; shape [Width, Height, Depth] (x, y, z); dimOrder 'F' = x fastest
  const [w, h] = frame.shape
  sum += frame.data[w * h - 1]!
}
console.log(`last pixel of every frame, summed: ${sum}`)
await reader.close()

await server?.close()
if (root !== null) await rm(root, { recursive: true, force: true })
