/**
 * The encode hook: PZF on the worker pool (decoded back from the servers' disks), user module
 * filters, filter failures that fail one file and never the stream, and buffer ownership.
 */
import t from 'tap'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startDataServers } from '../helpers/data-servers.js'
import { decodePzf, PzfEncoderPool } from '../../lib/pzf/index.js'
import { Streamer } from '../../lib/streamer/streamer.js'

// One pool for most tests: a worker under the TS loader takes a moment to start.
const shared = new PzfEncoderPool({ size: 2 })
t.teardown(() => shared.close())

function frame (w: number, h: number, seed: number): Uint16Array {
  const a = new Uint16Array(w * h)
  for (let i = 0; i < a.length; i++) a[i] = (i * 7 + seed * 131) % 4096
  return a
}

t.test('PZF frames are encoded on the pool and decode back from disk', async (t) => {
  const servers = await startDataServers(t, 2)
  const s = new Streamer({
    servers: servers.map((x) => x.url),
    filter: { pzf: { shape: [32, 16], compression: 'huffman', sequenceId: 7 } },
    encoderPool: shared
  })
  const frames: Uint16Array[] = []
  for (let i = 0; i < 12; i++) {
    const px = frame(32, 16, i)
    frames.push(px.slice())
    const raw = i === 5 ? { encode: { compression: 'raw' as const } } : {}
    s.putFrame(`enc/frame${String(i).padStart(5, '0')}.pzf`, px, { index: i, ...raw })
  }
  const report = await s.close()
  t.equal(report.files, 12)
  for (let i = 0; i < 12; i++) {
    const bytes = await readFile(join(servers[i % 2]!.root, 'enc', `frame${String(i).padStart(5, '0')}.pzf`))
    const d = decodePzf(bytes)
    t.same([...d.shape], [32, 16, 1])
    t.equal(d.header.frameNum, i, 'frameNum defaults to the index')
    t.equal(Number(d.header.sequenceId), 7)
    t.equal(d.header.compression, i === 5 ? 'raw' : 'huffman', 'per-frame options merged over the base')
    t.same([...(d.data as Uint16Array)], [...frames[i]!])
  }
})

t.test('buffer ownership: copied by default, transferred on request', async (t) => {
  const [server] = await startDataServers(t, 1)
  const s = new Streamer({ servers: [server!.url], filter: { pzf: { shape: [8, 8], compression: 'huffman' } }, encoderPool: shared })
  const mine = frame(8, 8, 1)
  const expected = mine.slice()
  const ack = s.putFrameAsync('own/copied.pzf', mine, { index: 0 })
  mine.fill(0) // reused at once: the stored frame must not change
  await ack
  const given = frame(8, 8, 2)
  const givenCopy = given.slice()
  await s.putFrameAsync('own/transferred.pzf', given, { index: 1, transfer: true })
  t.equal(given.byteLength, 0, 'the transferred buffer moved to a worker (detached here)')
  // A view into a larger buffer cannot be transferred whole: it is copied.
  const big = new Uint16Array(200)
  const view = big.subarray(10, 74)
  view.set(frame(8, 8, 3))
  const viewCopy = view.slice()
  await s.putFrameAsync('own/view.pzf', view, { index: 2, transfer: true })
  t.equal(big.byteLength, 400, 'the larger buffer stays usable')
  await s.close()
  const read = async (n: string): Promise<number[]> => [...(decodePzf(await readFile(join(server!.root, 'own', n))).data as Uint16Array)]
  t.same(await read('copied.pzf'), [...expected])
  t.same(await read('transferred.pzf'), [...givenCopy])
  t.same(await read('view.pzf'), [...viewCopy])
})

t.test('raw frames: framed on the calling thread, one copy by default, none when given up', async (t) => {
  const [server] = await startDataServers(t, 1)
  const s = new Streamer({ servers: [server!.url], filter: { pzf: { shape: [8, 8], compression: 'raw' } }, encoderPool: shared })
  const mine = frame(8, 8, 4)
  const expected = mine.slice()
  t.equal(s.putFrame('raw/copied.pzf', mine, { index: 0 }), true)
  t.equal(s.stats().encoding, 0, 'no worker involved: the file is ready at once')
  mine.fill(0) // reused at once: the stored frame must not change
  const given = frame(8, 8, 5)
  const givenCopy = given.slice()
  const view = new Uint16Array(100).subarray(3, 67)
  view.set(frame(8, 8, 6))
  const viewCopy = view.slice()
  await Promise.all([
    s.putFrameAsync('raw/given.pzf', given, { index: 1, transfer: true }),
    s.putFrameAsync('raw/view.pzf', view, { index: 2, transfer: true })
  ])
  t.equal(given.byteLength, 128, 'sent as it is (a header in front), never moved or copied')
  await s.close()
  const read = async (n: string): Promise<Uint8Array> => await readFile(join(server!.root, 'raw', n))
  for (const [name, px, num] of [['copied.pzf', expected, 0], ['given.pzf', givenCopy, 1], ['view.pzf', viewCopy, 2]] as const) {
    const bytes = await read(name)
    const d = decodePzf(bytes)
    t.same([...(d.data as Uint16Array)], [...px], `${name}: pixels`)
    t.equal(d.header.frameNum, num, `${name}: header`)
    t.equal(bytes.byteLength, 64 + 128, `${name}: a 64-byte header and the pixels`)
  }
})

t.test('module filters run on the pool; a failing filter fails one file, the stream goes on', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'filter-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const mod = join(dir, 'filters.mjs')
  await writeFile(mod, [
    'export function tag (data, arg) {',
    '  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)',
    "  if (bytes[0] === 13) throw new Error('unlucky frame')",
    '  const out = new Uint8Array(bytes.length + 1)',
    '  out[0] = arg.prefix',
    '  out.set(bytes, 1)',
    '  return out',
    '}'
  ].join('\n'))
  const [server] = await startDataServers(t, 1)
  // The streamer's own pool (created and closed by it).
  const s = new Streamer({ servers: [server!.url], filter: { module: pathToFileURL(mod), exportName: 'tag', arg: { prefix: 0xaa } }, encoderThreads: 1 })
  const fails: string[] = []
  s.on('fail', (f) => { fails.push(f.path); t.equal((f.error as { code?: string }).code, 'PYME_ERR_ENCODE') })
  for (let i = 10; i < 16; i++) s.putFrame(`mf/f${i}`, new Uint8Array([i, 1, 2]), { index: i })
  s.putFrame('mf/custom-arg', new Uint8Array([1]), { arg: { prefix: 0x55 } })
  const err = await s.close().then(() => null, (e: unknown) => e) as { code: string, failed: string[], report: { files: number } }
  t.equal(err.code, 'PYME_ERR_STORE_FAILED')
  t.same(err.failed, ['mf/f13'])
  t.same(fails, ['mf/f13'])
  t.equal(err.report.files, 6)
  t.same([...await readFile(join(server!.root, 'mf', 'f12'))], [0xaa, 12, 1, 2])
  t.same([...await readFile(join(server!.root, 'mf', 'custom-arg'))], [0x55, 1])
})

t.test('a shared pool is used and left open', async (t) => {
  const [server] = await startDataServers(t, 1)
  const s = new Streamer({ servers: [server!.url], filter: { pzf: { shape: [4, 4] } }, encoderPool: shared })
  await s.putFrameAsync('pool/a.pzf', frame(4, 4, 0))
  await s.close()
  const again = await shared.encode(frame(4, 4, 1), { shape: [4, 4] })
  t.ok(again.byteLength > 64, 'the pool still works after the streamer closed')
})

t.test('bad frame input is refused with clear errors', async (t) => {
  const [server] = await startDataServers(t, 1)
  const plain = new Streamer({ servers: [server!.url] })
  t.throws(() => plain.putFrame('x/f', new Uint16Array(4)), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /putFrame needs the filter option/ })
  t.throws(() => plain.put('x/f', new Uint16Array(4) as unknown as Uint8Array), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /use putFrame/ })
  await plain.close()
  const noShape = new Streamer({ servers: [server!.url], filter: { pzf: {} }, encoderPool: shared })
  t.throws(() => noShape.putFrame('x/f', new Uint16Array(4)), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /no shape/ })
  t.throws(() => noShape.putFrame('x/f', [1, 2] as unknown as Uint16Array, { encode: { shape: [2, 1] } }), { message: /invalid pixels/ })
  t.throws(() => noShape.putFrame('x/f', new Uint16Array(4), { encode: null as unknown as object }), { message: /invalid encode/ })
  // Wrong size for the shape: the pool refuses it, that one file fails.
  await t.rejects(noShape.putFrameAsync('x/wrong', new Uint16Array(5), { encode: { shape: [2, 2] } }), { code: 'PYME_ERR_ENCODE' })
  await t.rejects(noShape.close(), { code: 'PYME_ERR_STORE_FAILED', failed: ['x/wrong'] })
})

t.test('frame buffers are reused: a steady stream creates none after warm-up', async (t) => {
  const [server] = await startDataServers(t, 1)
  const s = new Streamer({ servers: [server!.url], filter: { pzf: { shape: [64, 64], compression: 'raw' } }, pipelining: 4 })
  const px = frame(64, 64, 1)
  for (let i = 0; i < 10; i++) await s.putFrameAsync(`reuse/w${i}.pzf`, px, { index: i })
  const warm = s.stats().buffersAllocated
  t.ok(warm >= 1 && warm <= 2, `warm-up created ${warm} buffer(s)`)
  for (let i = 10; i < 60; i++) await s.putFrameAsync(`reuse/w${i}.pzf`, px, { index: i })
  t.equal(s.stats().buffersAllocated, warm, 'no frame buffer created in steady state')
  t.ok(s.stats().buffersPooled >= 1, 'the buffer is back in the pool once acknowledged')
  await s.close()
  const last = decodePzf(await readFile(join(server!.root, 'reuse', 'w59.pzf')))
  t.same([...(last.data as Uint16Array)], [...px], 'reused memory, same pixels')
})
