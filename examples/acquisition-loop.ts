// An acquisition loop: camera frames streamed into a PYME cluster series with ClusterBackend.
// Servers: PYME_CLUSTER_SERVERS="http://host:port/ ..." or a data server started here.
//   node acquisition-loop.ts   (Node 22.18+ and 24 run TypeScript; on Node 20: npx tsx acquisition-loop.ts)
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClusterBackend } from 'pyme-cluster'
import { startDataServer } from 'pyme-cluster/server'

const [width, height, frames] = [512, 512, 200]
const given = process.env['PYME_CLUSTER_SERVERS']?.split(/[\s,]+/).filter(Boolean)
const root = given === undefined ? await mkdtemp(join(tmpdir(), 'example-')) : null
const server = root === null ? null : await startDataServer({ root, port: 0, advertise: 'none' })
const servers = given ?? [server!.url]

const backend = new ClusterBackend(`examples/acquisition-${Date.now()}.pcs`, {
  shape: [width, height], // x size (fastest in the buffer), y size
  servers,                // or cluster: 'lab1' to find the servers by name
  compression: 'huffman'  // lossless; add quantization: { offset, scale } for sqrt quantisation
})
backend.mdh.setFloat('Camera.ADOffset', 100).setFloat('voxelsize.x', 0.108).setFloat('voxelsize.y', 0.108)
await backend.initialize() // metadata.json, before any frame

const buffer = new Uint16Array(width * height) // the camera's buffer, reused for every frame
backend.logEvent('StartAq')
for (let n = 0; n < frames; n++) {
  for (let i = 0; i < buffer.length; i++) buffer[i] = 100 + ((i * 7 + n * 13) % 50) // "read out the sensor"
  // storeFrame copies the frame once and encodes it on a worker thread: the buffer is free again at once.
  if (!backend.storeFrame(n, buffer)) await backend.ready() // backpressure: wait when the pipeline is full
}
backend.logEvent('StopAq')

// Waits for every frame to be acknowledged, then writes final_metadata.json and events.json (last).
const report = await backend.close()
console.log(`${backend.getURL()}: ${report.frames} frames, ${(report.frames * width * height * 2 / 1e6).toFixed(1)} MB of pixels ` +
  `in ${(report.bytes / 1e6).toFixed(1)} MB of files, ` +
  `complete ${report.complete}, on ${Object.keys(report.stream?.nodes ?? {}).length} server(s)`)

await server?.close()
if (root !== null) await rm(root, { recursive: true, force: true })
