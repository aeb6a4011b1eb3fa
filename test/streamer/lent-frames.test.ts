/**
 * Pixels handed to `putFrame` without a copy: given up (`transfer`) or lent (`release`), in
 * memory from `allocateFramed` (the PZF header written in front, one contiguous body) or not
 * (copied once). Large raw frames, pipelined: a two-part body (header, then the caller's pixels)
 * used to make undici assert when an earlier answer arrived while it was still writing, and
 * those frames failed.
 */
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startDataServers } from '../helpers/data-servers.js'
import { decodePzf } from '../../lib/pzf/index.js'
import { allocateFramed, framedFile } from '../../lib/pzf/framed-pixels.js'
import { InvalidArgumentError } from '../../lib/errors.js'
import { Streamer } from '../../lib/streamer/streamer.js'

const SIDE = 2048

function fill (px: Uint16Array, seed: number): Uint16Array {
  for (let i = 0; i < px.length; i += 997) px[i] = (i + seed * 131) & 0xffff
  px[0] = seed
  px[px.length - 1] = seed + 1
  return px
}

async function storedPixels (root: string, name: string): Promise<{ px: Uint16Array, frameNum: number }> {
  const d = decodePzf(await readFile(join(root, 'lent', name)))
  return { px: d.data as Uint16Array, frameNum: d.header.frameNum }
}

t.test('framed memory: allocateFramed leaves room for the header; other memory is not framed', async (t) => {
  const px = allocateFramed(16, 'uint16')
  t.equal(px.length, 16)
  t.equal(px.byteOffset, 64)
  t.equal(framedFile(px)?.byteLength, 64 + 32, 'the file region: header room and pixels')
  t.equal(framedFile(px.subarray(1)), null, 'a sub-view is not')
  t.equal(framedFile(new Uint16Array(new ArrayBuffer(96), 64, 16)), null, 'memory not allocated here is not (its front is someone else\'s)')
  t.ok(allocateFramed(3, 'float32') instanceof Float32Array)
  t.throws(() => allocateFramed(0, 'uint16'), InvalidArgumentError)
  t.throws(() => allocateFramed(4, 'int32' as 'uint16'), InvalidArgumentError)
})

t.test('large raw frames given up or lent, pipelined: every file stored, byte for byte', async (t) => {
  const [server] = await startDataServers(t, 1)
  const s = new Streamer({ servers: [server!.url], filter: { pzf: { shape: [SIDE, SIDE], compression: 'raw' } }, encoderThreads: 0 })
  const acked = new Set<string>()
  s.on('ack', (a) => { acked.add(a.path) })
  const released: Array<{ n: number, storedFirst: boolean }> = []
  const expected: Uint16Array[] = []
  const N = 16
  for (let n = 0; n < N; n++) {
    const name = `lent/f${n}.pzf`
    // Four ways in turn: framed given up, plain given up (copied), framed lent, plain lent (copied).
    const framed = n % 2 === 0
    const px = fill(framed ? allocateFramed(SIDE * SIDE, 'uint16') : new Uint16Array(SIDE * SIDE), n)
    expected.push(px.slice())
    const lend = n % 4 >= 2
    const hint = lend
      ? { index: n, release: (p: Uint16Array | Uint8Array | Float32Array) => { t.equal(p, px, 'the lent array itself comes back'); released.push({ n, storedFirst: acked.has(name) }) } }
      : { index: n, transfer: true }
    if (!s.putFrame(name, px, hint)) await s.ready()
  }
  const report = await s.close()
  t.equal(report.files, N, 'every file stored')
  t.same(report.failed, [], 'none failed (undici never sees a two-part body)')
  for (let n = 0; n < N; n++) {
    const got = await storedPixels(server!.root, `f${n}.pzf`)
    t.equal(got.frameNum, n)
    t.ok(Buffer.from(got.px.buffer, got.px.byteOffset, got.px.byteLength).equals(Buffer.from(expected[n]!.buffer)), `f${n}: pixels`)
  }
  t.same(released.map((r) => r.n).sort((a, b) => a - b), [2, 3, 6, 7, 10, 11, 14, 15], 'every lent frame given back exactly once')
  t.ok(released.filter((r) => r.n % 2 === 0).every((r) => r.storedFirst), 'framed lent frames are given back only after their file is stored')
})

t.test('lent pixels copied are given back at once; the caller may then overwrite them', async (t) => {
  const [server] = await startDataServers(t, 1)
  const s = new Streamer({ servers: [server!.url], filter: { pzf: { shape: [64, 32], compression: 'raw' } }, encoderThreads: 0 })
  const px = fill(new Uint16Array(64 * 32), 9)
  const copy = px.slice()
  let back = 0
  const stored = s.putFrameAsync('lent/plain.pzf', px, { release: () => { back++ } })
  await Promise.resolve()
  t.equal(back, 1, 'given back in a microtask, before the file is stored')
  px.fill(0)
  await stored
  await s.close()
  t.same([...(await storedPixels(server!.root, 'plain.pzf')).px], [...copy], 'the file holds the pixels as they were lent')
})

t.test('lent pixels come back when the file is dropped, when a put throws, and for Huffman frames', async (t) => {
  const [server] = await startDataServers(t, 1)
  const s = new Streamer({
    servers: [server!.url],
    filter: { pzf: { shape: [256, 256], compression: 'raw' } },
    encoderThreads: 0,
    overflow: 'drop',
    memoryBudget: 200_000
  })
  const back: string[] = []
  const lend = (name: string): { release: () => void } => ({ release: () => { back.push(name) } })
  // 131 KiB files in a 200 KB budget: the second is dropped while the first is held.
  t.equal(s.putFrame('lent/kept.pzf', allocateFramed(256 * 256, 'uint16'), lend('kept')), true)
  t.equal(s.putFrame('lent/dropped.pzf', allocateFramed(256 * 256, 'uint16'), lend('dropped')), false, 'dropped')
  t.throws(() => s.putFrame('../escape.pzf', allocateFramed(256 * 256, 'uint16'), lend('refused')), 'a bad name throws')
  t.throws(() => s.putFrame('lent/bad.pzf', new Uint16Array(4), { release: 'no' as unknown as () => void }), InvalidArgumentError)
  await s.close()
  await t.rejects(s.putFrameAsync('lent/late.pzf', allocateFramed(256 * 256, 'uint16'), lend('late')), 'a put after close rejects')
  await Promise.resolve()
  t.same(back.sort(), ['dropped', 'kept', 'late', 'refused'], 'each lent frame given back once, whatever became of it')

  const h = new Streamer({ servers: [server!.url], filter: { pzf: { shape: [64, 32], compression: 'huffman' } }, encoderThreads: 1 })
  const px = fill(new Uint16Array(64 * 32), 3)
  const copy = px.slice()
  let huffBack = 0
  const done = h.putFrameAsync('lent/huff.pzf', px, { release: () => { huffBack++ } })
  await Promise.resolve()
  t.equal(huffBack, 1, 'a Huffman frame is staged (copied) and given back at once')
  px.fill(1)
  await done
  await h.close()
  t.same([...(await storedPixels(server!.root, 'huff.pzf')).px], [...copy])
})
