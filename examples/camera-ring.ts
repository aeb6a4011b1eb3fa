// Raw frames with no copy: a camera's ring of buffers lent to ClusterBackend, each given back when stored.
// Servers: PYME_CLUSTER_SERVERS="http://host:port/ ..." or a data server started here.
//   node camera-ring.ts   (Node 22.18+ and 24 run TypeScript; on Node 20: npx tsx camera-ring.ts)
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClusterBackend, type FramePixels } from 'pyme-cluster'
import { startDataServer } from 'pyme-cluster/server'

const [width, height, frames, ringSize] = [1024, 1024, 300, 8]
const given = process.env['PYME_CLUSTER_SERVERS']?.split(/[\s,]+/).filter(Boolean)
const root = given === undefined ? await mkdtemp(join(tmpdir(), 'example-')) : null
const server = root === null ? null : await startDataServer({ root, port: 0, advertise: 'none' })

const backend = new ClusterBackend(`examples/ring-${Date.now()}.pcs`, {
  shape: [width, height],
  servers: given ?? [server!.url],
  compression: 'raw', // raw frames in allocateFrame() memory go out as they are: the PZF header fits in front
  preallocate: false // lent frames need no memory of the backend's to be copied into
})
await backend.initialize()

// The ring, allocated (and touched) once, before the acquisition: a camera SDK queues these buffers.
const free: FramePixels[] = Array.from({ length: ringSize }, () => backend.allocateFrame().fill(100))
let wake: (() => void) | null = null
let givenBack = 0
const giveBack = (frame: FramePixels): void => { // the backend is done with it: the camera may refill it
  givenBack++
  free.push(frame)
  wake?.()
}

for (let n = 0; n < frames; n++) {
  while (free.length === 0) await new Promise<void>((resolve) => { wake = resolve }) // every buffer is in flight
  const frame = free.pop() as Uint16Array
  for (let i = 0; i < frame.length; i += 64) frame[i] = 100 + ((i + n) % 50) // "read out the sensor"
  if (!backend.storeFrame(n, frame, giveBack)) await backend.ready() // lent: not copied, given back later
}

const report = await backend.close()
const copies = backend.stats().stream?.buffersAllocated ?? 0
console.log(`${backend.getURL()}: ${report.frames} frames, complete ${report.complete}, ` +
  `buffers given back ${givenBack}, frame buffers of the backend's own ${copies}`)

await server?.close()
if (root !== null) await rm(root, { recursive: true, force: true })
