/**
 * `<series>.tif` read by real TIFF readers: libtiff (`tiffinfo -D -d` reads every page's strip)
 * and tifffile (what napari uses); pixels equal the frames written. Series in F and C order,
 * uint8/uint16/float32, with a gap, and one still being written; a Range decodes only the
 * frames it touches (counted at the data server).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { encodePzf } from '../../lib/pzf/encode-pzf.js'
import type { RequestMessage } from '../../lib/server/index.js'
import {
  addFrames, connect, fetchRaw, frame, H, hasProgram, md5, pixel, plantFile, readWithLibtiff, readWithTifffile, servers,
  startTestConsole, tifffilePython, W, writeSeries
} from './console-helpers.js'

const python = tifffilePython()
const libtiff = hasProgram('tiffinfo', ['-h'])

/** Frame `n` as bytes in TIFF order (x fastest) for each dtype. */
function expected (n: number, dtype: 'uint8' | 'uint16' | 'float32'): Uint8Array {
  const f = frame(n)
  if (dtype === 'uint16') return new Uint8Array(f.buffer)
  if (dtype === 'uint8') return Uint8Array.from(f, (v) => v & 0xff)
  return new Uint8Array(Float32Array.from(f, (v) => v / 7).buffer)
}

/** Frame `n` in C order (`[x][y]`, y fastest) for a PZF written by a PYME-style C-contiguous array. */
function cOrder (n: number): Uint16Array {
  const out = new Uint16Array(W * H)
  for (let x = 0; x < W; x++) for (let y = 0; y < H; y++) out[y + H * x] = pixel(n, x + W * y)
  return out
}

async function plantSeries (server: Parameters<typeof plantFile>[0], path: string, frames: ReadonlyArray<[number, Uint8Array]>, complete: boolean): Promise<void> {
  await plantFile(server, `${path}/metadata.json`, '{"voxelsize.x": 0.1, "voxelsize.y": 0.1, "voxelsize.z": NaN}')
  for (const [n, bytes] of frames) await plantFile(server, `${path}/frame${String(n).padStart(5, '0')}.pzf`, bytes)
  if (complete) await plantFile(server, `${path}/events.json`, '[]')
}

t.test('virtual TIFFs read by libtiff and tifffile', { skip: libtiff ? false : 'tiffinfo (libtiff-tools) is not installed' }, async (t) => {
  const [node] = await servers(t, 1)
  const urls = [node!.url]
  await writeSeries(urls, 'tif/done.pcs', 12)
  const live = await writeSeries(urls, 'tif/live.pcs', 5, { finalize: false })
  t.teardown(() => live.destroy())
  await plantSeries(node!, 'tif/corder.pcs', Array.from({ length: 6 }, (_, n) => [n, encodePzf(cOrder(n), { shape: [W, H], dimOrder: 'C', frameNum: n })]), true)
  await plantSeries(node!, 'tif/gaps.pcs', [0, 1, 3].map((n) => [n, encodePzf(frame(n), { shape: [W, H], dimOrder: 'F', frameNum: n })]), true)
  await plantSeries(node!, 'tif/u8.pcs', [0, 1, 2].map((n) => [n, encodePzf(Uint8Array.from(frame(n), (v) => v & 0xff), { shape: [W, H], dimOrder: 'F', frameNum: n })]), true)
  await plantSeries(node!, 'tif/f32.pcs', [0, 1].map((n) => [n, encodePzf(Float32Array.from(frame(n), (v) => v / 7), { shape: [W, H], dimOrder: 'F', frameNum: n, compression: 'raw' })]), true)
  // Frames read over HTTP (no local bypass, no small-file cache), so that the server sees, and the test counts, every frame read.
  const cluster = await connect(t, urls, { localBypass: false, fileCacheEntries: 0 })
  const c = await startTestConsole(t, cluster, { frameCacheBytes: 0 })
  const dir = await mkdtemp(join(tmpdir(), 'pyme-console-tif-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))

  const frameReads: string[] = []
  const onRequest = (m: unknown): void => {
    const r = m as RequestMessage
    if (r.method === 'GET' && /frame\d+\.pzf$/.test(r.url)) frameReads.push(r.url)
  }
  subscribe('pyme:server:request', onRequest)
  t.teardown(() => unsubscribe('pyme:server:request', onRequest))

  async function download (series: string): Promise<{ file: string, body: Buffer, etag: string }> {
    const r = await fetchRaw(`${c.url}dav/tif/${series}.tif`)
    t.equal(r.status, 200, `GET ${series}.tif`)
    const file = join(dir, `${series}-${r.body.length}.tif`)
    await writeFile(file, r.body)
    return { file, body: r.body, etag: String(r.headers['etag']) }
  }

  function checkLibtiff (file: string, frames: ReadonlyArray<Uint8Array>, description: RegExp): void {
    const { directories, stderr } = readWithLibtiff(file)
    t.equal(stderr, '', 'libtiff has no warning')
    t.equal(directories.length, frames.length, 'one directory per frame')
    directories.forEach((d, i) => {
      t.match(d.text, new RegExp(`Image Width: ${W} Image Length: ${H}`))
      t.same(d.strip, Buffer.from(frames[i] as Uint8Array), `page ${i}: libtiff reads the frame's pixels`)
    })
    t.match(directories[0]?.text, description)
  }

  t.test('a complete series (F order, as our writers store frames)', async (t) => {
    const { file } = await download('done.pcs')
    const frames = Array.from({ length: 12 }, (_, n) => expected(n, 'uint16'))
    checkLibtiff(file, frames, /ImageJ=1\.11a\nimages=12\nframes=12\nunit=micron\nfinterval=0\.01\nloop=false/)
    t.match(readWithLibtiff(file).directories[0]?.text, /Resolution: 15\.38\d*, 15\.38\d* \(unitless\)/, 'pixel size 0.065 µm as pixels per micron')
    if (python === undefined) return
    const v = readWithTifffile(python, file)
    t.same(v.shape, [12, H, W])
    t.equal(v.dtype, 'uint16')
    t.equal(v.axes, 'TYX')
    t.equal(v.is_imagej, true)
    t.match(v.imagej, { images: 12, frames: 12, unit: 'micron', finterval: 0.01 })
    t.same(v.md5, frames.map(md5), 'tifffile reads every frame bit for bit')
  })

  t.test('C order is transposed; uint8 and float32; a gap is a page of zeros, counted', async (t) => {
    const corder = await download('corder.pcs')
    checkLibtiff(corder.file, Array.from({ length: 6 }, (_, n) => expected(n, 'uint16')), /images=6/)
    const u8 = await download('u8.pcs')
    checkLibtiff(u8.file, [0, 1, 2].map((n) => expected(n, 'uint8')), /images=3/)
    const f32 = await download('f32.pcs')
    checkLibtiff(f32.file, [0, 1].map((n) => expected(n, 'float32')), /images=2/)
    t.match(readWithLibtiff(f32.file).directories[0]?.text, /Sample Format: IEEE floating point/)
    const gaps = await download('gaps.pcs')
    const zero = new Uint8Array(W * H * 2)
    checkLibtiff(gaps.file, [expected(0, 'uint16'), expected(1, 'uint16'), zero, expected(3, 'uint16')], /missing_frames=1/)
    if (python === undefined) return
    t.same(readWithTifffile(python, corder.file).md5, Array.from({ length: 6 }, (_, n) => md5(expected(n, 'uint16'))))
    const v8 = readWithTifffile(python, u8.file)
    t.equal(v8.dtype, 'uint8')
    t.same(v8.md5, [0, 1, 2].map((n) => md5(expected(n, 'uint8'))))
    const vf = readWithTifffile(python, f32.file)
    t.equal(vf.dtype, 'float32')
    t.same(vf.md5, [0, 1].map((n) => md5(expected(n, 'float32'))))
    t.equal(readWithTifffile(python, gaps.file).md5[2], md5(zero))
  })

  t.test('a Range decodes only the frames it touches', async (t) => {
    const head = await fetchRaw(`${c.url}dav/tif/done.pcs.tif`, { method: 'HEAD' })
    const size = Number(head.headers['content-length'])
    const whole = (await fetchRaw(`${c.url}dav/tif/done.pcs.tif`)).body
    const dataOffset = whole.readUInt32LE(whole.readUInt32LE(4) + 2 + 12 * 7 + 8)
    t.equal(dataOffset % 4096, 0, 'StripOffsets of page 0 (the 8th tag of IFD0) is the 4096-aligned data start')
    const fb = W * H * 2
    frameReads.length = 0
    const part = await fetchRaw(`${c.url}dav/tif/done.pcs.tif`, { headers: { Range: `bytes=${dataOffset + 7 * fb + 10}-${dataOffset + 8 * fb - 1}` } })
    t.equal(part.status, 206)
    t.same(part.body, Buffer.from(expected(7, 'uint16')).subarray(10))
    t.same(frameReads, ['/tif/done.pcs/frame00007.pzf'], 'frame 7 only')
    frameReads.length = 0
    const twoFrames = await fetchRaw(`${c.url}dav/tif/done.pcs.tif`, { headers: { Range: `bytes=${dataOffset + 3 * fb - 4}-${dataOffset + 4 * fb + 3}` } })
    t.same(twoFrames.body, whole.subarray(dataOffset + 3 * fb - 4, dataOffset + 4 * fb + 4))
    t.same(frameReads.sort(), ['/tif/done.pcs/frame00002.pzf', '/tif/done.pcs/frame00003.pzf', '/tif/done.pcs/frame00004.pzf'])
    frameReads.length = 0
    t.same((await fetchRaw(`${c.url}dav/tif/done.pcs.tif`, { headers: { Range: 'bytes=0-4095' } })).body, whole.subarray(0, 4096))
    t.same((await fetchRaw(`${c.url}dav/tif/done.pcs.tif`, { headers: { Range: `bytes=${dataOffset + 12 * fb}-` } })).body, whole.subarray(dataOffset + 12 * fb))
    t.same(frameReads, [], 'header and IFDs need no frame')
    // Ranges at odd boundaries put together give the same bytes as the whole file.
    const pieces: Buffer[] = []
    for (let at = 0; at < size; at += 7001) {
      pieces.push((await fetchRaw(`${c.url}dav/tif/done.pcs.tif`, { headers: { Range: `bytes=${at}-${Math.min(size, at + 7001) - 1}` } })).body)
    }
    t.same(Buffer.concat(pieces), whole)
  })

  t.test('a series still being written: contiguous frames, growing, pages where they were', async (t) => {
    const before = await download('live.pcs')
    checkLibtiff(before.file, Array.from({ length: 5 }, (_, n) => expected(n, 'uint16')), /images=5/)
    await addFrames(live, 5, 9)
    let after = before
    for (let i = 0; i < 500 && after.body.length === before.body.length; i++) after = await download('live.pcs')
    checkLibtiff(after.file, Array.from({ length: 9 }, (_, n) => expected(n, 'uint16')), /images=9/)
    t.not(after.etag, before.etag, 'a new entity tag')
    const dataOffset = before.body.readUInt32LE(before.body.readUInt32LE(4) + 2 + 12 * 7 + 8)
    const fb = W * H * 2
    t.same(after.body.subarray(dataOffset, dataOffset + 5 * fb), before.body.subarray(dataOffset, dataOffset + 5 * fb), 'the first five pages did not move')
    const stale = await fetchRaw(`${c.url}dav/tif/live.pcs.tif`, { headers: { Range: 'bytes=0-99', 'If-Range': before.etag } })
    t.equal(stale.status, 200, 'If-Range with the old tag: the whole new file')
    t.equal((await fetchRaw(`${c.url}dav/tif/live.pcs.tif`, { headers: { 'If-Match': before.etag } })).status, 412)
    t.equal((await fetchRaw(`${c.url}dav/tif/live.pcs.tif`, { headers: { 'If-None-Match': after.etag } })).status, 304)
    if (python === undefined) return
    t.same(readWithTifffile(python, after.file).md5, Array.from({ length: 9 }, (_, n) => md5(expected(n, 'uint16'))))
  })
})
