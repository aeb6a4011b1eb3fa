import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t, { type Test } from 'tap'
import { FolderBackend } from '../../lib/backends/folder-backend.js'
import { decodePzf } from '../../lib/pzf/decode-pzf.js'
import { PzfEncoderPool } from '../../lib/pzf/pzf-encoder-pool.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import { cameraFrame, compareReadBack } from './frames.js'

const W = 32
const H = 20

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-folder-backend-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

t.test('round trip: 400 frames on the worker pool, read back bit for bit', async (t) => {
  const dir = join(await tempDir(t), 'jdoe', '2024_5_1', '1_5_series_A.pcs')
  const backend = new FolderBackend({ directory: dir, shape: [W, H] })
  t.equal(backend.getURL(), pathToFileURL(dir).href)
  t.equal(backend.directory, dir)
  const order: string[] = []
  backend.on('stored', (name: string) => order.push(name))
  await backend.initialize()
  t.same(await readdir(dir), ['metadata.json'], 'metadata.json first, before any frame')
  const frames: Uint16Array[] = []
  for (let n = 0; n < 400; n++) {
    const f = cameraFrame(W, H, n)
    frames.push(f.slice())
    if (!backend.storeFrame(n, f)) await backend.ready()
    f.fill(1) // reusing the buffer at once is safe without `transfer`
  }
  const names = await readdir(dir)
  t.notOk(names.includes('events.json'), 'no completion marker before finalize()')
  const report = await backend.close()
  t.equal(report.frames, 400)
  t.equal(report.files, 403)
  t.equal(report.complete, true)
  t.same(order.slice(-2), ['final_metadata.json', 'events.json'])
  const after = (await readdir(dir)).sort()
  t.equal(after.length, 403, 'no temporary files left behind')
  t.ok(after.every((n) => !n.startsWith('.')))
  let total = 0
  for (const n of after) total += (await stat(join(dir, n))).size
  t.equal(report.bytes, total, 'report bytes = bytes on disk')

  const reader = await SeriesReader.open(dir)
  t.equal(reader.isComplete, true)
  t.equal(reader.frameCount, 400)
  t.same(reader.missingFrames, [])
  t.same(await compareReadBack(reader, frames), { read: 400, differing: [] }, 'every frame read back bit for bit')
  t.same([...(await reader.getFrame(399)).shape], [W, H, 1])
  await reader.close()
})

t.test('a reader that knows only PROTOCOL.md §7-§8: list, count .pzf, decode', async (t) => {
  const dir = join(await tempDir(t), 's.pcs')
  const backend = new FolderBackend({ directory: dir, shape: [W, H], pool: false, compression: 'raw' })
  await backend.initialize()
  for (let n = 0; n < 12; n++) backend.storeFrame(n, cameraFrame(W, H, n))
  await backend.close()
  const names = await readdir(dir)
  t.ok(names.includes('events.json'), 'complete: events.json exists')
  const count = names.filter((n) => n.endsWith('.pzf')).length // exactly PYME's count
  t.equal(count, 12)
  const md = JSON.parse((await readFile(join(dir, 'metadata.json'), 'utf8')).replace(/\bNaN\b/g, 'null')) as Record<string, unknown>
  t.equal(md.DimOrder, 'XYCZT')
  for (let i = 0; i < count; i++) {
    const name = 'frame' + String(i).padStart(5, '0') + '.pzf'
    const f = decodePzf(await readFile(join(dir, name)))
    t.same([...f.shape], [W, H, 1], name)
    t.equal((f.data as Uint16Array)[3 + W * 2], cameraFrame(W, H, i)[3 + W * 2], 'pixel (x=3, y=2) at [x, y]')
  }
  t.same(JSON.parse(await readFile(join(dir, 'events.json'), 'utf8')), [])
})

t.test('write-once: an existing series is refused, a clashing frame is reported', async (t) => {
  const root = await tempDir(t)
  const dir = join(root, 'series')
  const first = new FolderBackend({ directory: dir, shape: [W, H], pool: false })
  await first.initialize()
  await writeFile(join(dir, 'frame00003.pzf'), 'someone else wrote this')
  const failed: string[] = []
  first.on('failed', (name: string) => failed.push(name))
  for (let n = 0; n < 6; n++) first.storeFrame(n, cameraFrame(W, H, n))
  const err = await first.finalize().then(() => null, (e: unknown) => e) as { code: string, failed: string[], report: { frames: number, complete: boolean, failed: Array<{ name: string, error: { code: string } }> } } | null
  t.equal(err?.code, 'PYME_ERR_STORE_FAILED')
  t.same(err?.failed, ['frame00003.pzf'], 'finalize() names the frame not stored')
  t.equal(err?.report.frames, 5)
  t.equal(err?.report.failed[0]?.error.code, 'PYME_ERR_EXISTS')
  t.equal(err?.report.complete, true, 'the series is still completed (readers see the gap)')
  t.same(failed, ['frame00003.pzf'], "a 'failed' event as it happened")
  t.equal(await readFile(join(dir, 'frame00003.pzf'), 'utf8'), 'someone else wrote this', 'never overwritten')
  await t.rejects(first.close(), { code: 'PYME_ERR_STORE_FAILED' })
  t.same((await readdir(dir)).filter((n) => n.startsWith('.')), [], 'no temporary files')

  const second = new FolderBackend({ directory: dir, shape: [W, H], pool: false })
  await t.rejects(second.initialize(), { code: 'PYME_ERR_EXISTS', message: /already holds a series/ })
  await second.close()
  await mkdir(join(root, 'other'))
  await writeFile(join(root, 'other', 'notes.txt'), 'x')
  const third = new FolderBackend({ directory: join(root, 'other'), shape: [W, H], pool: false })
  await third.initialize()
  t.pass('a folder with unrelated files can take a series')
  await third.close()
})

t.test('storage failures are typed and reported', async (t) => {
  const root = await tempDir(t)
  await writeFile(join(root, 'file'), 'x')
  const underFile = new FolderBackend({ directory: join(root, 'file', 'series'), shape: [W, H], pool: false })
  await t.rejects(underFile.initialize(), { code: 'PYME_ERR_STORE_FAILED', message: /cannot create series directory/ })
  t.equal(underFile.stats().state, 'new', 'initialize() may be retried after a failure')
  underFile.destroy()

  const dir = join(root, 'gone')
  const backend = new FolderBackend({ directory: dir, shape: [W, H], pool: false, fsync: true })
  await backend.initialize()
  await rm(dir, { recursive: true })
  for (let n = 0; n < 12; n++) backend.storeFrame(n, cameraFrame(W, H, n))
  const err = await backend.close().then(() => null, (e: unknown) => e) as { code: string, failed: string[], message: string } | null
  t.equal(err?.code, 'PYME_ERR_STORE_FAILED')
  t.equal(err?.failed.length, 14, 'every file not stored is named')
  t.same(err?.failed.slice(-2), ['final_metadata.json', 'events.json'])
  // Frames are written concurrently, so they fail in no fixed order; the list keeps the order of failure.
  t.same(err?.failed.slice(0, 12).sort(), Array.from({ length: 12 }, (_, n) => `frame${String(n).padStart(5, '0')}.pzf`))
  t.match(err?.message, /^14 file\(s\) of file:.* were not stored: (frame\d{5}\.pzf, ){9}frame\d{5}\.pzf and 4 more; the series is not complete \(no events\.json\)$/)

  const destroyed = new FolderBackend({ directory: join(root, 'd'), shape: [W, H], pool: true })
  await destroyed.initialize()
  destroyed.storeFrame(0, cameraFrame(W, H, 0))
  destroyed.destroy(new Error('stop'))
  t.equal(destroyed.stats().state, 'destroyed', 'destroy also ends a private pool')
})

t.test('a shared pool is used and left open', async (t) => {
  const dir = join(await tempDir(t), 's')
  const pool = new PzfEncoderPool({ size: 1 })
  t.teardown(() => pool.destroy())
  const backend = new FolderBackend({ directory: dir, shape: [W, H], pool, quantization: { offset: 100, scale: 2 } })
  await backend.initialize()
  const big = new Uint16Array(W * H * 2)
  big.set(cameraFrame(W, H, 1))
  backend.storeFrame(0, big.subarray(0, W * H)) // a view into a larger buffer: copied, not detached
  t.equal(big.byteLength, W * H * 4, 'the larger buffer was not transferred')
  await backend.close()
  t.equal(await pool.encode(new Uint16Array(4), { shape: [2, 2] }).then((b) => b.length > 0), true, 'the shared pool still works')
  const u8 = new FolderBackend({ directory: join(dir, 'u8'), shape: [4, 2], dtype: 'uint8', pool, transfer: true })
  await u8.initialize()
  const pooled = Buffer.from('abcdefgh') // a view into Node's shared buffer pool
  u8.storeFrame(0, pooled)
  await u8.close()
  t.equal(pooled.toString(), 'abcdefgh', 'a pooled Buffer is copied, never detached')
  t.equal(Buffer.from(decodePzf(await readFile(join(dir, 'u8', 'frame00000.pzf'))).data).toString(), 'abcdefgh')
  const f = decodePzf(await readFile(join(dir, 'frame00000.pzf')))
  t.equal(f.header.quantization?.scale, 2)
})

t.test('options of FolderBackend', async (t) => {
  t.throws(() => new FolderBackend({ directory: '', shape: [1, 1] }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /directory/ })
  t.throws(() => new FolderBackend({ shape: [1, 1] } as never), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /directory/ })
  t.throws(() => new FolderBackend({ directory: '/tmp/x', shape: [1, 1], fsync: 'yes' as never }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /fsync/ })
  t.throws(() => new FolderBackend({ directory: '/tmp/x', shape: [0, 1] }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /shape/ })
})
