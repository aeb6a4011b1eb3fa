/**
 * `__aggregate_h5` / `__aggregate_h5r` on a real data server, written the way PYME's clients
 * write (raw pipelined requests without Host, as PYME's Streamer does), read back over HTTP as
 * a series folder and, from disk, by PyTables (the reference reader).
 */
import { createHash } from 'node:crypto'
import { readFile, readdir, stat, symlink, mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { once } from 'node:events'
import t from 'tap'
import { decodePzf } from '../../lib/pzf/decode-pzf.js'
import { encodePzf } from '../../lib/pzf/encode-pzf.js'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { startServerProcess } from '../helpers/server-process.js'
import { runPyTables, skipWithoutPyTables } from '../helpers/pytables.js'

const READ_H5 = fileURLToPath(new URL('../interop/read_h5.py', import.meta.url))
const enc = new TextEncoder()
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

function pixels (n: number, w = 256, h = 128): Uint16Array {
  const px = new Uint16Array(w * h)
  for (let i = 0; i < px.length; i++) px[i] = 100 + ((i * 13 + n * 977) % 700)
  return px
}
function frame (n: number, w = 256, h = 128): Uint8Array {
  return encodePzf(pixels(n, w, h), { shape: [w, h], compression: 'huffman', frameNum: n })
}

interface Req { readonly method?: string, readonly path: string, readonly body?: Uint8Array, readonly length?: number }

/** Sends requests pipelined on one raw connection, PYME-style (no Host); resolves to the status codes. */
async function pipelined (port: number, reqs: readonly Req[]): Promise<number[]> {
  const sock = connect(port, '127.0.0.1')
  await once(sock, 'connect')
  const chunks: Buffer[] = []
  for (const r of reqs) {
    const body = r.body ?? new Uint8Array(0)
    chunks.push(Buffer.from(`${r.method ?? 'PUT'} /${r.path} HTTP/1.1\r\nContent-Length: ${r.length ?? body.length}\r\n\r\n`), Buffer.from(body))
  }
  sock.write(Buffer.concat(chunks))
  let text = ''
  const codes: number[] = []
  for await (const data of sock) {
    text += (data as Buffer).toString('latin1')
    for (;;) {
      const m = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/.exec(text)
      if (m === null) break
      const len = Number(/content-length: (\d+)/i.exec(m[2] as string)?.[1] ?? '0')
      if (text.length < m[0].length + len) break
      codes.push(Number(m[1]))
      text = text.slice(m[0].length + len)
    }
    if (codes.length === reqs.length) break
  }
  sock.destroy()
  return codes
}

async function get (base: string, path: string): Promise<{ status: number, body: Uint8Array, type: string | null }> {
  const res = await fetch(base + path)
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()), type: res.headers.get('content-type') }
}

const METADATA = '{\n  "Camera.ADOffset": 100.0,\n  "Camera.ElectronsPerCount": 0.28,\n  "DimOrder": "XYCZT",\n  "SizeC": 1,\n  "SizeT": -1,\n  "SizeZ": 1,\n  "imageID": 0\n}'
const EVENTS = '[["StartAq", "0", 1716872400.123456], ["ProtocolTask", "1, x", 1716872401.5]]'

t.test('PYME\'s cluster_h5 wire order: metadata, 50 Huffman frames pipelined, final_metadata, events', async (t) => {
  const server = await startDataServerForTest(t)
  const frames = Array.from({ length: 50 }, (_, i) => frame(i))
  const base = '__aggregate_h5/jdoe/2024_5_1/s.h5/'
  const codes = await pipelined(server.port, [
    { path: base + 'metadata.json', body: enc.encode(METADATA) },
    ...frames.map((f, i) => ({ path: `${base}frame${String(i).padStart(5, '0')}.pzf`, body: f })),
    { path: base + 'final_metadata.json', body: enc.encode('{"EndTime": 1716872460.25}') },
    { path: base + 'events.json', body: enc.encode(EVENTS) }
  ])
  t.same(codes, Array(53).fill(200), 'every request answered 200, in order')

  const parent = JSON.parse(new TextDecoder().decode((await get(server.url, 'jdoe/2024_5_1/')).body)) as Record<string, [number, number]>
  t.equal(parent['s.h5']?.[0], 2, 'listed as a series file')
  t.ok((parent['s.h5']?.[1] ?? 0) > 50 * 1000, 'with its real size')
  const listing = await get(server.url, 'jdoe/2024_5_1/s.h5/')
  t.equal(listing.status, 200)
  t.equal(listing.type, 'application/json; charset=utf-8')
  const names = Object.keys(JSON.parse(new TextDecoder().decode(listing.body)) as object)
  t.same(names, ['metadata.json', 'events.json', ...frames.map((_, i) => `frame${String(i).padStart(5, '0')}.pzf`)])
  const f7 = await get(server.url, 'jdoe/2024_5_1/s.h5/frame00007.pzf')
  t.equal(sha(f7.body), sha(frames[7] as Uint8Array), 'a frame comes back byte for byte')
  t.same(Array.from(decodePzf(f7.body).data as Uint16Array).slice(0, 64), Array.from(pixels(7)).slice(0, 64), 'and decodes to the pixels')
  const md = JSON.parse(new TextDecoder().decode((await get(server.url, 'jdoe/2024_5_1/s.h5/metadata.json')).body)) as Record<string, unknown>
  t.same(md, { 'Camera.ADOffset': 100, 'Camera.ElectronsPerCount': 0.28, DimOrder: 'XYCZT', SizeC: 1, SizeT: -1, SizeZ: 1, imageID: 0, EndTime: 1716872460.25 })
  t.same(JSON.parse(new TextDecoder().decode((await get(server.url, 'jdoe/2024_5_1/s.h5/events.json')).body)), JSON.parse(EVENTS))
  t.equal((await get(server.url, 'jdoe/2024_5_1/s.h5/frame00099.pzf')).status, 404)
  t.equal((await get(server.url, 'jdoe/2024_5_1/s.h5/nothing')).status, 404)
  t.equal((await fetch(server.url + 'jdoe/2024_5_1/s.h5/frame00001.pzf', { method: 'HEAD' })).headers.get('content-length'), String(frames[1]?.length))
  t.same(await pipelined(server.port, [{ path: 'jdoe/2024_5_1/s.h5/frame00050.pzf', body: frames[0] as Uint8Array }]), [409], 'read-only: a plain PUT into it is refused')
  t.same((await readdir(join(server.root, 'jdoe/2024_5_1'))).sort(), ['s.h5'], 'no journal left, file closed after events.json')

  if (skipWithoutPyTables() === false) {
    const py = await runPyTables(READ_H5, [join(server.root, 'jdoe/2024_5_1/s.h5')])
    t.same(py.nodes, ['/Events', '/MetaData', '/MetaData/Camera', '/PZFImageData', '/PZFImageIndex'])
    t.same(py.image.sha, frames.map(sha), '/PZFImageData rows are the PZF files')
    t.same(py.index.rows, frames.map((_, i) => [i, i]))
    t.same(py.events.rows, JSON.parse(EVENTS))
    t.match(py.events, { complevel: 5, complib: 'zlib', shuffle: true })
    t.same(py.metadata['Camera.ADOffset'], ['float', 100])
    t.same(py.metadata.imageID, ['int', 0])
  }
})

t.test('concurrent appends from several connections all land, once each', async (t) => {
  const server = await startDataServerForTest(t)
  const base = '__aggregate_h5/c.h5/'
  const lanes = await Promise.all([0, 1, 2, 3].map((k) => pipelined(server.port, Array.from({ length: 8 }, (_, i) => {
    const n = k * 8 + i
    return { path: `${base}frame${String(n).padStart(5, '0')}.pzf`, body: frame(n, 32, 16) }
  }))))
  t.same(lanes.flat(), Array(32).fill(200))
  // A re-sent frame (lost answer, Streamer retry) is refused, not stored twice.
  t.same(await pipelined(server.port, [{ path: `${base}frame00003.pzf`, body: frame(3, 32, 16) }]), [405])
  const names = Object.keys(JSON.parse(new TextDecoder().decode((await get(server.url, 'c.h5/')).body)) as object)
  t.same(names, ['metadata.json', ...Array.from({ length: 32 }, (_, i) => `frame${String(i).padStart(5, '0')}.pzf`)])
})

t.test('refusals: a cut upload, bad bodies, pickles and escapes change nothing', async (t) => {
  const server = await startDataServerForTest(t)
  const outside = await mkdtemp(join(tmpdir(), 'pyme-outside-'))
  t.teardown(() => rm(outside, { recursive: true, force: true }))
  t.same(await pipelined(server.port, [{ path: '__aggregate_h5/r.h5/frame00000.pzf', body: frame(0, 32, 16) }]), [200])
  const file = join(server.root, 'r.h5')
  const before = sha(await readFile(file))

  // Client gone mid-body: nothing appended.
  const sock = connect(server.port, '127.0.0.1')
  await once(sock, 'connect')
  const half = frame(1, 32, 16)
  sock.write(`PUT /__aggregate_h5/r.h5/frame00001.pzf HTTP/1.1\r\nContent-Length: ${half.length}\r\n\r\n`)
  sock.write(half.subarray(0, 20))
  sock.destroy()
  await once(sock, 'close')

  t.same(await pipelined(server.port, [
    { path: '__aggregate_h5/r.h5/frame00001.pzf', body: enc.encode('not pzf') },
    { path: '__aggregate_h5/r.h5/metadata.json', body: enc.encode('{"a": ') },
    { path: '__aggregate_h5/r.h5/events.json', body: enc.encode('{"not": "a list"}') },
    { path: '__aggregate_h5/r.h5', body: enc.encode('{}') },
    { path: '__aggregate_h5/r.h5/a/b', body: enc.encode('{}') },
    { path: '__aggregate_h5/noh5/metadata.json', body: enc.encode('{}') }
  ]), [400, 400, 400, 400, 400, 400])
  t.equal(sha(await readFile(file)), before, 'the file is byte for byte unchanged')

  t.same(await pipelined(server.port, [
    { path: '__aggregate_h5r/res.h5r/FitResults', body: enc.encode('[{"x": 1.5, "t": 1}]') },
    { path: '__aggregate_h5r/res.h5r/FitResults', body: Uint8Array.from([0x80, 0x04, 0x95, 0x05, 0, 0, 0, 0, 0, 0, 0, 0x4e, 0x2e]) },
    { path: '__aggregate_h5r/res.h5r', body: enc.encode('(lp0\n.') },
    { path: '__aggregate_h5r/res.h5r/FitResults', body: enc.encode('[{"x": 1.5') },
    { path: '__aggregate_h5r/res.h5r/FitResults', body: enc.encode('\u0093NUMPY garbage') },
    { path: '__aggregate_h5r/res.hdf/MetaData', body: enc.encode('{"Analysis.Model": "x"}') }
  ]), [200, 415, 415, 400, 400, 200])

  await symlink(outside, join(server.root, 'out'))
  t.same(await pipelined(server.port, [
    { path: '__aggregate_h5/out/x.h5/metadata.json', body: enc.encode('{}') },
    { path: '__aggregate_h5/../../x.h5/metadata.json', body: enc.encode('{}') },
    { path: '__aggregate_h5/.pyme-x.h5/metadata.json', body: enc.encode('{}') },
    { path: '__aggregate_h5r/%2e%2e/y.h5r/MetaData', body: enc.encode('{}') }
  ]), [403, 200, 400, 200])
  t.same(await readdir(outside), [], 'nothing written through the symlink')
  t.ok((await stat(join(server.root, 'x.h5'))).isFile(), '.. is normalised inside the root, as PYME does')
  t.ok((await stat(join(server.root, 'y.h5r'))).isFile())

  // A write-once file is never appended to.
  t.same(await pipelined(server.port, [{ path: 'w.h5', body: enc.encode('plain') }, { path: '__aggregate_h5/w.h5/metadata.json', body: enc.encode('{}') }]), [200, 409])
  t.same(await pipelined(server.port, [{ path: '__aggregate_h5/r.h5/frame00001.pzf', body: frame(1, 32, 16) }]), [200], 'the server still serves')
})

t.test('a server killed between appends: acknowledged rows intact, the file opens, appends resume', async (t) => {
  const first = await startServerProcess()
  t.teardown(() => first.stop())
  const base = '__aggregate_h5/k.h5/'
  t.same(await pipelined(first.port, [
    { path: base + 'metadata.json', body: enc.encode(METADATA) },
    ...Array.from({ length: 6 }, (_, i) => ({ path: `${base}frame${String(i).padStart(5, '0')}.pzf`, body: frame(i, 64, 32) }))
  ]), Array(7).fill(200))
  first.kill('SIGKILL')
  await once(first.child, 'exit')
  const second = await first.restart()
  t.teardown(() => second.stop())
  t.same(await pipelined(second.port, [
    { path: `${base}frame00006.pzf`, body: frame(6, 64, 32) },
    { path: base + 'events.json', body: enc.encode(EVENTS) }
  ]), [200, 200])
  const names = Object.keys(JSON.parse(new TextDecoder().decode((await get(second.url, 'k.h5/')).body)) as object)
  t.same(names, ['metadata.json', 'events.json', ...Array.from({ length: 7 }, (_, i) => `frame${String(i).padStart(5, '0')}.pzf`)])
  if (skipWithoutPyTables() === false) {
    const py = await runPyTables(READ_H5, [join(second.root, 'k.h5')])
    t.equal(py.image.nrows, 7)
    t.same(py.image.sha, Array.from({ length: 7 }, (_, i) => sha(frame(i, 64, 32))))
  }
})

t.test('shutdown closes open files cleanly', async (t) => {
  const server = await startServerProcess()
  t.same(await pipelined(server.port, [{ path: '__aggregate_h5/open.h5/frame00000.pzf', body: frame(0, 32, 16) }]), [200])
  const root = server.root
  const { mkdtemp: mk } = await import('node:fs/promises')
  const keep = await mk(join(tmpdir(), 'pyme-keep-'))
  t.teardown(() => rm(keep, { recursive: true, force: true }))
  const { copyFile } = await import('node:fs/promises')
  server.kill('SIGTERM')
  await once(server.child, 'exit')
  t.same((await readdir(root)).filter((n) => n.startsWith('.pyme-')), [], 'no journal left: the file was closed')
  await copyFile(join(root, 'open.h5'), join(keep, 'open.h5'))
  await server.stop()
  if (skipWithoutPyTables() === false) t.equal((await runPyTables(READ_H5, [join(keep, 'open.h5')])).image.nrows, 1)
})
