/**
 * `storeFrame(n, frame, release)`: a camera's ring of buffers from `allocateFrame()`, lent to the
 * backend and given back when the backend no longer needs them. Raw frames go out with no copy
 * (the PZF header written in front of the pixels); every frame comes back exactly once; a frame
 * is reused only once given back, and every stored frame holds the pixels it was lent with.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { Backend, FramePixels } from '../../lib/backends/backend.js'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { FolderBackend } from '../../lib/backends/folder-backend.js'
import { MemoryBackend } from '../../lib/backends/memory-backend.js'
import { DuplicateFrameError, InvalidArgumentError } from '../../lib/errors.js'
import { decodePzf } from '../../lib/pzf/decode-pzf.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import { startDataServers } from '../helpers/data-servers.js'
import { cameraFrame, compareReadBack } from './frames.js'

/** Runs a camera with a ring of `ringSize` lent buffers for `frames` frames; returns what it lent. */
async function ringAcquisition (t: Test, backend: Backend, width: number, height: number, frames: number, ringSize: number): Promise<Uint16Array[]> {
  const free: FramePixels[] = []
  for (let i = 0; i < ringSize; i++) free.push(backend.allocateFrame())
  const lentTimes = new Map<FramePixels, number>()
  let wake: (() => void) | null = null
  const giveBack = (f: FramePixels): void => {
    t.ok(lentTimes.has(f), 'a buffer of the ring comes back')
    lentTimes.delete(f)
    free.push(f)
    wake?.()
  }
  const expected: Uint16Array[] = []
  for (let n = 0; n < frames; n++) {
    while (free.length === 0) await new Promise<void>((resolve) => { wake = resolve })
    const buf = free.pop() as Uint16Array
    buf.set(cameraFrame(width, height, n))
    expected.push(buf.slice())
    lentTimes.set(buf, n)
    if (!backend.storeFrame(n, buf, giveBack)) await backend.ready()
  }
  await backend.finalize()
  await Promise.resolve()
  t.equal(lentTimes.size, 0, 'every lent buffer came back')
  t.equal(free.length, ringSize, 'the whole ring is free again')
  return expected
}

t.test('a camera ring lent to a ClusterBackend: raw frames sent as they are, each given back once', async (t) => {
  const servers = await startDataServers(t, 2)
  const W = 512
  const H = 384
  const backend = new ClusterBackend('lab/ring.pcs', { servers: servers.map((s) => s.url), shape: [W, H], compression: 'raw', distribution: 'round-robin', preallocate: false })
  t.teardown(() => backend.destroy())
  await backend.initialize()
  const frame = backend.allocateFrame()
  t.ok(frame instanceof Uint16Array && frame.length === W * H && frame.byteOffset === 64, 'allocateFrame: the series\' shape and dtype, room for a header in front')
  const expected = await ringAcquisition(t, backend, W, H, 60, 4)
  t.equal(backend.stats().stream?.buffersAllocated, 0, 'no frame buffer of its own: nothing was copied')
  const reader = await SeriesReader.open(backend.getURL(), { servers: servers.map((s) => s.url) })
  t.teardown(() => reader.close())
  t.same(await compareReadBack(reader, expected), { read: 60, differing: [] }, 'every frame read back as it was lent')
})

t.test('Huffman frames are copied once: lent buffers come back at once', async (t) => {
  const servers = await startDataServers(t, 1)
  const backend = new ClusterBackend('lab/ring-huffman.pcs', { servers: [servers[0]!.url], shape: [64, 48], compression: 'huffman' })
  t.teardown(() => backend.destroy())
  await backend.initialize()
  const expected = await ringAcquisition(t, backend, 64, 48, 30, 1)
  const reader = await SeriesReader.open(backend.getURL(), { servers: [servers[0]!.url] })
  t.teardown(() => reader.close())
  t.same(await compareReadBack(reader, expected), { read: 30, differing: [] })
})

t.test('FolderBackend writes lent raw frames from the caller\'s memory; MemoryBackend keeps copies', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-lent-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const folder = new FolderBackend({ directory: join(dir, 'ring.pcs'), shape: [40, 30], compression: 'raw', pool: false })
  await folder.initialize()
  const expected = await ringAcquisition(t, folder, 40, 30, 20, 2)
  for (let n = 0; n < 20; n++) {
    const d = decodePzf(await readFile(join(dir, 'ring.pcs', `frame${String(n).padStart(5, '0')}.pzf`)))
    t.same([...(d.data as Uint16Array)], [...expected[n]!], `frame ${n}`)
  }
  await folder.close()

  const memory = new MemoryBackend({ shape: [40, 30], compression: 'raw' })
  await memory.initialize()
  const kept = await ringAcquisition(t, memory, 40, 30, 10, 1)
  for (let n = 0; n < 10; n++) {
    const d = decodePzf(memory.files.get(`frame${String(n).padStart(5, '0')}.pzf`) as Uint8Array)
    t.same([...(d.data as Uint16Array)], [...kept[n]!], `memory frame ${n}: its own copy, not the reused buffer`)
  }
  await memory.close()
})

t.test('a storeFrame that throws keeps the frame the caller\'s; a release that is not a function is refused', async (t) => {
  const backend = new MemoryBackend({ shape: [4, 4], compression: 'raw' })
  await backend.initialize()
  let back = 0
  const f = backend.allocateFrame()
  backend.storeFrame(0, f, () => { back++ })
  t.throws(() => backend.storeFrame(0, backend.allocateFrame(), () => { back += 10 }), DuplicateFrameError)
  t.throws(() => backend.storeFrame(1, f, 'no' as unknown as () => void), InvalidArgumentError)
  await backend.close()
  t.equal(back, 1, 'only the accepted frame is given back')
})
