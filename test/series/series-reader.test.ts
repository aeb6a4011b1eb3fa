import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t, { type Test } from 'tap'
import { FolderBackend } from '../../lib/backends/folder-backend.js'
import { MemoryBackend } from '../../lib/backends/memory-backend.js'
import { NotFoundError } from '../../lib/errors.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import type { SeriesSource } from '../../lib/series/series-source.js'
import { cameraFrame } from '../backends/frames.js'
import { cOrderBytes, readVectorPzf, readVectorRaw } from '../helpers/pzf-vectors.js'


async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-series-reader-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

// PYME's bare backend metadata (PROTOCOL.md §7.5), as PYME writes it.
const PYME_METADATA = '{\n  "DimOrder": "XYCZT",\n  "SizeC": 1,\n  "SizeT": -1,\n  "SizeZ": 1,\n  "imageID": 0\n}'
const PYME_FRAMES = ['u2_7x13_raw', 'u2_7x13_raw_F', 'u2_13x7_huff', 'u2_13x7_huff_F', 'u2_camera_128x128_huff',
  'u2_camera_128x128_huff_F', 'u2_camera_32x24x5_raw_F', 'u2_const1234_64x64_huff', 'h_v2_header_u2_huff']

t.test('reads a series written by PYME (frames from the PYME-written vectors)', async (t) => {
  const dir = join(await tempDir(t), '1_5_series_C.pcs')
  await mkdir(dir)
  await writeFile(join(dir, 'metadata.json'), PYME_METADATA)
  for (const [i, name] of PYME_FRAMES.entries()) {
    await writeFile(join(dir, `frame${String(i).padStart(5, '0')}.pzf`), readVectorPzf(name))
  }
  await writeFile(join(dir, 'events.json'), '[]')
  const reader = await SeriesReader.open(dir)
  t.equal(reader.isComplete, true)
  t.equal(reader.frameCount, PYME_FRAMES.length)
  t.equal(reader.metadata.get('imageID'), 0)
  t.equal(reader.metadata.get('SizeT'), -1)
  t.equal(reader.finalMetadata, undefined, 'PYME series may lack final_metadata.json')
  t.same(await reader.events(), [])
  let i = 0
  for await (const frame of reader.frames()) {
    const raw = readVectorRaw(PYME_FRAMES[i]!)
    t.equal(Buffer.compare(cOrderBytes(frame), raw), 0, `${PYME_FRAMES[i]!} as PYME's own reader returns it`)
    i++
  }
  t.equal(i, PYME_FRAMES.length)
  await reader.close()
  await reader.close() // idempotent
  await t.rejects(reader.getFrame(0), { code: 'PYME_ERR_CLOSED' })
  await t.rejects(reader.refresh(), { code: 'PYME_ERR_CLOSED' })
  await t.rejects(reader.events(), { code: 'PYME_ERR_CLOSED' })
  const byUrl = await SeriesReader.open(pathToFileURL(dir).href)
  t.equal(byUrl.frameCount, PYME_FRAMES.length, 'file:// URLs open too')
  await byUrl.close()
})

t.test('frames({ reuse: true }) and getFrameInto decode into kept memory', async (t) => {
  const dir = join(await tempDir(t), 'reuse.pcs')
  await mkdir(dir)
  await writeFile(join(dir, 'metadata.json'), PYME_METADATA)
  for (const [i, name] of PYME_FRAMES.entries()) {
    await writeFile(join(dir, `frame${String(i).padStart(5, '0')}.pzf`), readVectorPzf(name))
  }
  await writeFile(join(dir, 'events.json'), '[]')
  const reader = await SeriesReader.open(dir, { limits: { maxPixels: 128 * 128 } })
  const buffers = new Set<ArrayBufferLike>()
  let i = 0
  for await (const frame of reader.frames({ reuse: true })) {
    const raw = readVectorRaw(PYME_FRAMES[i]!)
    t.equal(Buffer.compare(cOrderBytes(frame), raw), 0, `${PYME_FRAMES[i]!}: same pixels, reused memory`)
    buffers.add(frame.data.buffer)
    i++
  }
  t.equal(i, PYME_FRAMES.length)
  t.ok(buffers.size <= 3, `${buffers.size} buffers for ${i} frames of growing sizes`)
  const target = new Uint16Array(128 * 128)
  const f = await reader.getFrameInto(4, target)
  t.equal(f.data.buffer, target.buffer, 'getFrameInto: a view of the target')
  t.equal(Buffer.compare(cOrderBytes(f), readVectorRaw(PYME_FRAMES[4]!)), 0)
  await t.rejects(reader.getFrameInto(4, new Uint16Array(10)), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  await reader.close()
  const limited = await SeriesReader.open(dir, { limits: { maxPixels: 100 } })
  await t.rejects((async () => { for await (const _ of limited.frames({ reuse: true })) { /* nothing */ } })(),
    { code: 'PYME_ERR_PZF_LIMIT' }, 'the limits hold before the buffer grows')
  await limited.close()
})

t.test('gaps: counted from the highest index, reported, refused when read', async (t) => {
  const dir = join(await tempDir(t), 's')
  const backend = new FolderBackend({ directory: dir, shape: [8, 4], pool: false })
  await backend.initialize()
  for (let n = 0; n < 10; n++) backend.storeFrame(n, cameraFrame(8, 4, n))
  await backend.close()
  await unlink(join(dir, 'frame00003.pzf'))
  await unlink(join(dir, 'frame00009.pzf'))
  const reader = await SeriesReader.open(dir, { settleAttempts: 2 })
  t.equal(reader.isComplete, true)
  t.equal(reader.frameCount, 10, 'the recorded FrameCount, though the last frame is gone')
  t.same(reader.missingFrames, [3, 9])
  t.same([2, 3, 4, 9, 10].map((i) => reader.hasFrame(i)), [true, false, true, false, false], 'hasFrame: in the last listing')
  t.equal(reader.contiguousFrames, 3)
  t.equal(reader.finalMetadata?.get('pyme-cluster.FramesStored'), 10)
  t.same(await reader.refresh(), { complete: true, frameCount: 10, contiguousFrames: 3, missingCount: 2, unreachableCount: 0, unreachableServers: [] })
  await t.rejects(reader.getFrame(3), { code: 'PYME_ERR_NOT_FOUND', message: /frame 3 .*\(missing from the complete series\)/ })
  await t.rejects(reader.getFrame(10), { code: 'PYME_ERR_NOT_FOUND', message: /frame 10 of .* does not exist$/ })
  const got: number[] = []
  const err = await (async () => { for await (const f of reader.frames()) got.push(f.header.frameNum) })().catch((e: unknown) => e)
  t.ok(err instanceof NotFoundError, 'iteration stops at the gap with NotFoundError')
  t.same(got, [0, 1, 2])
  for (const bad of [-1, 1.5, NaN, 2 ** 32, '1']) await t.rejects(reader.getFrame(bad as number), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  await reader.close()
})

t.test('a live series: follow() reads frames as they land, until complete', async (t) => {
  const dir = join(await tempDir(t), 'live')
  const backend = new FolderBackend({ directory: dir, shape: [8, 4], pool: false })
  await backend.initialize()
  backend.storeFrame(0, cameraFrame(8, 4, 0))
  backend.storeFrame(2, cameraFrame(8, 4, 2)) // out of order: 1 comes later
  // Both frames are written concurrently: wait until both are in place.
  let frames = 0
  await new Promise<void>((resolve) => {
    const onStored = (name: string): void => {
      if (name.endsWith('.pzf') && ++frames === 2) {
        backend.off('stored', onStored)
        resolve()
      }
    }
    backend.on('stored', onStored)
  })
  const reader = await SeriesReader.open(dir)
  t.equal(reader.isComplete, false)
  t.equal(reader.contiguousFrames, 1)
  t.equal(reader.frameCount, 3)
  t.same(await reader.events(), [], 'no events before the completion marker')
  const plain: number[] = []
  for await (const f of reader.frames()) plain.push(f.header.frameNum)
  t.same(plain, [0], 'without follow: the contiguous frames present now')
  const seen: number[] = []
  const following = (async () => {
    for await (const f of reader.frames({ follow: true, pollMs: 5, signal: AbortSignal.timeout(20000) })) {
      seen.push(f.header.frameNum)
      if (seen.length === 1) {
        backend.storeFrame(1, cameraFrame(8, 4, 1))
        for (let n = 3; n < 30; n++) backend.storeFrame(n, cameraFrame(8, 4, n))
        backend.logEvent('StopAq', '', 2)
        await backend.close()
      }
    }
  })()
  await following
  t.same(seen, Array.from({ length: 30 }, (_, n) => n), 'every frame once, in order')
  t.equal(reader.isComplete, true)
  t.same((await reader.events()).map((e) => e.name), ['StopAq'])
  const aborted = new AbortController()
  const stuck = await MemoryBackendIncomplete()
  const it = (await SeriesReader.fromSource(stuck.source)).frames({ follow: true, pollMs: 10000, signal: aborted.signal })
  const next = it.next()
  aborted.abort(new Error('enough'))
  await t.rejects(next, { message: 'enough' }, 'following stops on abort')
  await reader.close()
})

async function MemoryBackendIncomplete (): Promise<MemoryBackend> {
  const b = new MemoryBackend({ shape: [2, 2] })
  await b.initialize()
  return b
}

t.test('the settle rule: a complete series is re-listed until its listing agrees', async (t) => {
  const backend = new MemoryBackend({ shape: [4, 4] })
  await backend.initialize()
  for (let n = 0; n < 6; n++) backend.storeFrame(n, cameraFrame(4, 4, n))
  await backend.finalize()
  // A union listing that lags: frames 4 and 5 (on a slow server) appear in later listings.
  let listings = 0
  const lagging: SeriesSource = {
    url: 'lagging://s',
    settleMs: 1,
    async list () {
      listings++
      const all = [...backend.files.keys()]
      return listings < 3 ? all.filter((n) => n !== 'frame00004.pzf' && n !== 'frame00005.pzf') : all
    },
    read: async (name) => await backend.source.read(name),
    exists: async (name) => await backend.source.exists(name),
    close: async () => {}
  }
  const reader = await SeriesReader.fromSource(lagging)
  t.equal(reader.frameCount, 6)
  t.same(reader.missingFrames, [])
  t.ok(listings >= 4, `listed until stable (${listings} listings)`)
  listings = 0
  const again = await reader.refresh()
  t.equal(listings, 0, 'a settled complete series is not re-listed')
  t.equal(again.frameCount, 6)

  // PYME's own series (no final_metadata.json): two equal listings are enough.
  let pymeListings = 0
  const pymeLike: SeriesSource = {
    ...lagging,
    async list () { pymeListings++; return ['metadata.json', 'events.json', 'frame00000.pzf'] },
    exists: async (name) => name === 'events.json' || name === 'metadata.json',
    read: async (name) => await backend.source.read(name)
  }
  const pyme = await SeriesReader.fromSource(pymeLike, { settleAttempts: 3 })
  t.equal(pymeListings, 2)
  t.equal(pyme.frameCount, 1)
  await t.rejects(SeriesReader.fromSource(lagging, { settleAttempts: 0 }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /settleAttempts/ })
})

t.test('what is not a series, or not readable', async (t) => {
  const root = await tempDir(t)
  await t.rejects(SeriesReader.open(join(root, 'missing')), { code: 'PYME_ERR_NOT_FOUND', message: /is not a series: it has no metadata\.json/ })
  await mkdir(join(root, 'bad'))
  await writeFile(join(root, 'bad', 'metadata.json'), '{"a": ')
  await t.rejects(SeriesReader.open(join(root, 'bad')), { code: 'PYME_ERR_SERIES_FORMAT', message: /metadata\.json is not valid JSON/ })
  await writeFile(join(root, 'bad', 'metadata.json'), '{"a": NaN, "big": 123456789012345678901}')
  await writeFile(join(root, 'bad', 'frame00000.pzf'), 'not a pzf file at all')
  await writeFile(join(root, 'bad', 'events.json'), '{"not": "a list"}')
  const reader = await SeriesReader.open(join(root, 'bad'))
  t.equal(reader.metadata.get('big'), 123456789012345678901n, 'lenient metadata')
  await t.rejects(reader.getFrame(0), { code: 'PYME_ERR_PZF_FORMAT' })
  await t.rejects(reader.events(), { code: 'PYME_ERR_SERIES_FORMAT' })
  await t.rejects(reader.frames({ pollMs: -1 }).next(), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /pollMs/ })
  await reader.close()
  await writeFile(join(root, 'bad', 'final_metadata.json'), '[')
  await t.rejects(SeriesReader.open(join(root, 'bad')), { code: 'PYME_ERR_SERIES_FORMAT', message: /final_metadata\.json/ })
  await t.rejects(SeriesReader.open(''), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  const failing: SeriesSource = {
    url: 'x://', settleMs: 0,
    list: async () => [],
    read: async () => { throw new Error('disk on fire') },
    exists: async () => false,
    close: async () => {}
  }
  await t.rejects(SeriesReader.fromSource(failing), { message: 'disk on fire' }, 'other read errors pass through')
  const reader2 = await SeriesReader.fromSource({ ...failing, read: async (n) => n === 'metadata.json' ? new TextEncoder().encode('{}') : await failing.read(n) })
  await t.rejects(reader2.getFrame(0), { message: 'disk on fire' })
})
