/**
 * `preallocate`: the memory raw frames are copied into is created and touched before the
 * acquisition (by `initialize()`, or `Streamer.preallocate`), one buffer per frame of the window,
 * so that the first frames cost what the rest do; storing then creates no buffer at all.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { FolderBackend } from '../../lib/backends/folder-backend.js'
import { Streamer } from '../../lib/streamer/streamer.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import { startDataServers } from '../helpers/data-servers.js'
import { cameraFrame, compareReadBack } from './frames.js'

t.test('ClusterBackend: initialize() makes the window\'s buffers; storing makes none', async (t) => {
  const servers = await startDataServers(t, 2)
  const urls = servers.map((s) => s.url)
  const backend = new ClusterBackend('pre/window.pcs', { servers: urls, shape: [96, 64], compression: 'raw', maxPendingFrames: 6 })
  t.teardown(() => backend.destroy())
  t.equal(backend.stats().stream, null, 'no Streamer before initialize()')
  await backend.initialize()
  t.equal(backend.stats().stream?.buffersAllocated, 6, 'one buffer per frame of the window')
  t.equal(backend.stats().stream?.buffersPooled, 6, 'all waiting for frames')
  const camera = new Uint16Array(96 * 64)
  const expected: Uint16Array[] = []
  for (let n = 0; n < 40; n++) {
    camera.set(cameraFrame(96, 64, n)) // the camera reuses its one buffer
    expected.push(camera.slice())
    if (!backend.storeFrame(n, camera)) await backend.ready()
  }
  t.equal(backend.stats().stream?.buffersAllocated, 6, 'no buffer created while storing')
  const report = await backend.finalize()
  t.equal(report.frames, 40)
  const reader = await SeriesReader.open(backend.getURL(), { servers: urls })
  t.teardown(() => reader.close())
  t.same(await compareReadBack(reader, expected), { read: 40, differing: [] }, 'every frame as the camera gave it')
})

t.test('ClusterBackend: as many buffers as frames declared; none when nothing is copied', async (t) => {
  const [server] = await startDataServers(t, 1)
  const servers = [server!.url]
  const cases: Array<[string, ConstructorParameters<typeof ClusterBackend>[1], number]> = [
    ['three frames declared', { servers, shape: [32, 32], compression: 'raw', seriesShape: [32, 32, 1, 3, 1] }, 3],
    ['the default window (64 small frames)', { servers, shape: [32, 32], compression: 'raw' }, 64],
    ['frames given up (transfer)', { servers, shape: [32, 32], compression: 'raw', transfer: true }, 0],
    ['lent frames (preallocate: false)', { servers, shape: [32, 32], compression: 'raw', preallocate: false }, 0],
    ['Huffman frames', { servers, shape: [32, 32] }, 0]
  ]
  for (const [i, [label, options, buffers]] of cases.entries()) {
    const backend = new ClusterBackend(`pre/case${i}.pcs`, options)
    await backend.initialize()
    t.equal(backend.stats().stream?.buffersAllocated, buffers, label)
    backend.storeFrame(0, cameraFrame(32, 32, i))
    t.equal((await backend.finalize()).frames, 1, `${label}: the frame is stored`)
  }
})

t.test('bad preallocate options are refused with a clear error', async (t) => {
  const servers = ['http://127.0.0.1:9/']
  t.throws(() => new ClusterBackend('pre/bad.pcs', { servers, shape: [8, 8], compression: 'huffman', preallocate: true }),
    { code: 'PYME_ERR_INVALID_ARGUMENT', message: /invalid preallocate: only raw frames/ })
  t.throws(() => new ClusterBackend('pre/bad.pcs', { servers, shape: [8, 8], compression: 'raw', preallocate: 'yes' as unknown as boolean }),
    { code: 'PYME_ERR_INVALID_ARGUMENT', message: /invalid preallocate/ })
  t.throws(() => new FolderBackend({ directory: '/tmp/x.pcs', shape: [8, 8], compression: 'raw', preallocate: 1 as unknown as boolean }),
    { code: 'PYME_ERR_INVALID_ARGUMENT', message: /invalid preallocate/ })
})

t.test('FolderBackend: initialize() makes its buffers before the first frame', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pyme-pre-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  const side = 1024 // 2 MiB frames: the growth of array-buffer memory is theirs
  const frameBytes = side * side * 2
  const grown = async (name: string, preallocate: boolean): Promise<{ backend: FolderBackend, growth: number }> => {
    const backend = new FolderBackend({ directory: join(root, name), shape: [side, side], compression: 'raw', seriesShape: [side, side, 1, 6, 1], preallocate })
    const before = process.memoryUsage().arrayBuffers
    await backend.initialize()
    return { backend, growth: process.memoryUsage().arrayBuffers - before }
  }
  const on = await grown('on.pcs', true)
  t.ok(on.growth >= 6 * frameBytes, `six frames' memory made (${on.growth} bytes)`)
  const off = await grown('off.pcs', false)
  t.ok(off.growth < frameBytes, `none without it (${off.growth} bytes)`)
  for (const { backend } of [on, off]) {
    for (let n = 0; n < 6; n++) backend.storeFrame(n, cameraFrame(side, side, n))
    t.equal((await backend.finalize()).frames, 6)
  }
  const reader = await SeriesReader.open(join(root, 'on.pcs'))
  t.teardown(() => reader.close())
  t.same(await compareReadBack(reader, Array.from({ length: 6 }, (_, n) => cameraFrame(side, side, n))), { read: 6, differing: [] })
})

t.test('Streamer.preallocate: within the memory budget, refused when it cannot be done', async (t) => {
  const [server] = await startDataServers(t, 1)
  const s = new Streamer({ servers: [server!.url], filter: { pzf: { shape: [20, 25], compression: 'raw' } }, memoryBudget: 10_000 })
  t.equal(await s.preallocate(1000, 4), 4, 'four buffers of a 1,000-byte frame')
  t.equal(await s.preallocate(1000, 50), 5, 'the budget keeps nine (10,000 / 1,064 bytes): five more')
  t.equal(s.stats().buffersAllocated, 9)
  for (let i = 0; i < 12; i++) await s.putFrameAsync(`pre/s${i}.pzf`, new Uint16Array(500).fill(i), { index: i })
  t.equal(s.stats().buffersAllocated, 9, 'frames of that size used them')
  await t.rejects(s.preallocate(0, 1), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  await t.rejects(s.preallocate(20_000, 1), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /memoryBudget \(10000\)/ })
  await t.rejects(s.preallocate(1000, -1), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  await s.close()
  await t.rejects(s.preallocate(1000, 1), { code: 'PYME_ERR_CLOSED' })
  const plain = new Streamer({ servers: [server!.url] })
  t.equal(await plain.preallocate(1000, 3), 0, 'no PZF filter: no frames to prepare for')
  await plain.close()
})

t.test('destroy() during initialize() stops making buffers; initialize() rejects', async (t) => {
  const [server] = await startDataServers(t, 1)
  const root = await mkdtemp(join(tmpdir(), 'pyme-pre-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  const backends = [
    new ClusterBackend('pre/destroyed.pcs', { servers: [server!.url], shape: [512, 512], compression: 'raw', maxPendingFrames: 200 }),
    new FolderBackend({ directory: join(root, 'destroyed.pcs'), shape: [512, 512], compression: 'raw', maxPendingFrames: 200 })
  ]
  const frameBytes = 512 * 512 * 2
  for (const backend of backends) {
    const start = process.memoryUsage().arrayBuffers
    const init = backend.initialize()
    // Destroyed once the first buffers are made: the rest are not.
    for (let i = 0; i < 10_000 && process.memoryUsage().arrayBuffers - start < 2 * frameBytes; i++) await new Promise((resolve) => setImmediate(resolve))
    const before = process.memoryUsage().arrayBuffers
    t.ok(before - start >= 2 * frameBytes, `${backend.constructor.name}: making buffers`)
    backend.destroy()
    await t.rejects(init, { code: 'PYME_ERR_DESTROYED' }, 'initialize() rejects')
    t.ok(process.memoryUsage().arrayBuffers - before < 10 * frameBytes, 'the window was not made after destroy()')
  }
})
