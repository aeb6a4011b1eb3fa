import { createHash } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { encodePzf } from '../../lib/pzf/encode-pzf.js'
import { H5Service } from '../../lib/hdf5/h5-service.js'
import { runPyTables, skipWithoutPyTables } from '../helpers/pytables.js'

const READ_H5 = fileURLToPath(new URL('../interop/read_h5.py', import.meta.url))
const enc = new TextEncoder()
const dec = new TextDecoder()

function frame (n: number): Uint8Array {
  const px = new Uint16Array(64 * 48)
  for (let i = 0; i < px.length; i++) px[i] = (i * 7 + n * 131) & 0x3ff
  return encodePzf(px, { shape: [64, 48], compression: 'huffman', frameNum: n })
}
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

async function tempDir (t: { teardown: (fn: () => unknown) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-h5-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

t.test('a series in PYME wire order: PyTables reads PYME layout, the service reads it back as a folder', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 's.h5')
  const h5 = new H5Service()
  t.teardown(() => h5.close())
  t.equal(h5.started, false, 'no worker until the first request')
  const md = '{"Camera.ADOffset": 100.0, "Camera.Name": "Sim cam", "SizeC": 1, "voxelsize.x": 0.07, "Flag": true, "Views": [1, 2.5, "a"], "Nothing": null, "Unit": "\\u00b5m", "Empty": ""}'
  t.equal(await h5.putSeriesMember(file, 'metadata.json', Buffer.from(md)), 'stored', 'a small Buffer (a view of Node\'s pool) is copied whole')
  t.same(await h5.seriesListing(file), ['metadata.json'], 'no events.json before events arrive')
  const frames = [0, 1, 2].map(frame)
  // A frame's number comes from its PZF header, as in PYME (the name's number is ignored).
  for (const [i, f] of frames.entries()) t.equal(await h5.putSeriesMember(file, `frame${String(i).padStart(5, '0')}.pzf`, f), 'stored')
  await t.rejects(h5.putSeriesMember(file, 'frame00001.pzf', frame(1)), { code: 'PYME_ERR_EXISTS' }, 'a re-sent frame is not a second row')
  await t.rejects(h5.putSeriesMember(file, 'frame00009.pzf', enc.encode('not a pzf')), { code: 'PYME_ERR_PZF_FORMAT' })
  t.equal(await h5.putSeriesMember(file, 'final_metadata.json', enc.encode('{"EndTime": 1716872500.5}')), 'stored')
  t.equal(await h5.putSeriesMember(file, 'other.txt', enc.encode('x')), 'ignored', 'unknown members are ignored, as PYME does')
  await t.rejects(h5.putSeriesMember(file, 'events.json', enc.encode('[["a"]]')), { code: 'PYME_ERR_SERIES_FORMAT' })
  t.equal(await h5.putSeriesMember(file, 'events.json', enc.encode('[["StartAq", "0", 1716872400.123456], ["ProtocolFocus", "12, 3.5", 1716872400.5]]')), 'stored')

  t.same(await h5.seriesListing(file), ['metadata.json', 'events.json', 'frame00000.pzf', 'frame00001.pzf', 'frame00002.pzf'])
  t.same(sha(await h5.readSeriesMember(file, 'frame00002.pzf')), sha(frames[2] as Uint8Array))
  const mdBack = JSON.parse(dec.decode(await h5.readSeriesMember(file, 'metadata.json'))) as Record<string, unknown>
  t.same(mdBack, { 'Camera.ADOffset': 100, 'Camera.Name': 'Sim cam', SizeC: 1, 'voxelsize.x': 0.07, Flag: true, Views: [1, 2.5, 'a'], Nothing: null, Unit: 'µm', Empty: '', EndTime: 1716872500.5 })
  t.match(dec.decode(await h5.readSeriesMember(file, 'metadata.json')), /"Camera\.ADOffset": 100\.0,/, 'a float stays a float')
  t.same(JSON.parse(dec.decode(await h5.readSeriesMember(file, 'events.json'))), [['StartAq', '0', 1716872400.123456], ['ProtocolFocus', '12, 3.5', 1716872400.5]])
  await t.rejects(h5.readSeriesMember(file, 'frame00007.pzf'), { code: 'PYME_ERR_NOT_FOUND' })
  await t.rejects(h5.readSeriesMember(file, 'nope'), { code: 'PYME_ERR_NOT_FOUND' })
  t.same((await readdir(dir)).sort(), ['s.h5'], 'no journal or temporary file left after events.json closed the file')

  if (skipWithoutPyTables() === false) {
    const py = await runPyTables(READ_H5, [file])
    t.same(py.nodes, ['/Events', '/MetaData', '/MetaData/Camera', '/MetaData/voxelsize', '/PZFImageData', '/PZFImageIndex'], 'the template group is hidden from PyTables')
    t.same(py.image, { class: 'VLARRAY', pseudoatom: 'vlstring', atom: 'VLStringAtom', nrows: 3, sha: frames.map(sha) })
    t.same(py.index.rows, [[0, 0], [1, 1], [2, 2]])
    t.match(py.index, { class: 'TABLE', nrows: 3, NROWS: 3, complevel: 5, complib: 'zlib', shuffle: true, dtype: [['FrameNum', '<i4'], ['Position', '<i4']] })
    t.match(py.events, { class: 'TABLE', NROWS: 2, complevel: 5, shuffle: true, dtype: [['EventDescr', '|S256'], ['EventName', '|S32'], ['Time', '<f8']] })
    t.same(py.events.rows, [['StartAq', '0', 1716872400.123456], ['ProtocolFocus', '12, 3.5', 1716872400.5]])
    t.same(py.metadata, {
      'Camera.ADOffset': ['float', 100], 'Camera.Name': ['str', 'Sim cam'], SizeC: ['int', 1], 'voxelsize.x': ['float', 0.07],
      Flag: ['bool', true], Views: ['list', [1, 2.5, 'a']], Nothing: ['NoneType', null], Unit: ['str', 'µm'], Empty: ['str', ''], EndTime: ['float', 1716872500.5]
    }, 'PYME\'s HDFMDHandler sees the same values and Python types')
  }
})

t.test('result tables: .npy and JSON records, metadata, refusals leave the file unchanged', { skip: skipWithoutPyTables() }, async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 'r.h5r')
  const h5 = new H5Service()
  t.teardown(() => h5.close())
  await h5.putResults(file, 'MetaData', enc.encode('{"Analysis.FitModule": "LatGaussFitFR", "voxelsize.x": 0.1}'))
  await h5.putResults(file, 'FitResults', npy("[('tIndex', '<i4'), ('fitResults', [('A', '<f4'), ('x0', '<f4')]), ('', '|V4'), ('resultCode', '<i4')]", 2, (v, i) => {
    v.setInt32(i * 20, i, true); v.setFloat32(i * 20 + 4, 1.5 * i, true); v.setFloat32(i * 20 + 8, 10 + i, true); v.setInt32(i * 20 + 16, 0, true)
  }, 20))
  await h5.putResults(file, 'FitResults', npy("[('tIndex', '<i4'), ('fitResults', [('A', '<f4'), ('x0', '<f4')]), ('', '|V4'), ('resultCode', '<i4')]", 1, (v) => {
    v.setInt32(0, 7, true); v.setFloat32(4, 2, true); v.setFloat32(8, 3, true); v.setInt32(16, 1, true)
  }, 20))
  await h5.putResults(file, 'Drift', enc.encode('[{"t": 1, "x": 0.5, "name": "a"}, {"t": 2, "x": null, "name": "bcd"}]'))
  await h5.putResults(file, 'Drift', enc.encode('[{"t": 3, "x": 1.25, "name": "e"}]'))
  await t.rejects(h5.putResults(file, 'Drift', enc.encode('[{"t": 3}]')), { code: 'PYME_ERR_INVALID_ARGUMENT' }, 'missing field')
  await t.rejects(h5.putResults(file, 'Drift', enc.encode('[{"t": 3, "x": 1, "name": "e"')), { code: 'PYME_ERR_INVALID_ARGUMENT' }, 'malformed JSON')
  await t.rejects(h5.putResults(file, 'FitResults', npy("[('tIndex', '<i4')]", 1, () => {}, 4)), { code: 'PYME_ERR_INVALID_ARGUMENT' }, 'other layout')
  await t.rejects(h5.putResults(file, 'FitResults', npy("[('tIndex', '<i4')]", 2, () => {}, 4).subarray(0, 130)), { code: 'PYME_ERR_INVALID_ARGUMENT' }, 'truncated .npy')
  await t.rejects(h5.putResults(file, 'Big', npy("[('a', '>f8')]", 1, () => {}, 8)), { code: 'PYME_ERR_INVALID_ARGUMENT', unsupported: true })
  await t.rejects(h5.putResults(file, 'Obj', npy("'|O'", 1, () => {}, 8)), { code: 'PYME_ERR_INVALID_ARGUMENT', unsupported: true })
  await t.rejects(h5.putResults(file, 'Pickled', Uint8Array.from([0x80, 0x04, 0x95, 0x00, 0x2e])), { code: 'PYME_ERR_INVALID_ARGUMENT', unsupported: true }, 'pickles are refused, never unpickled')
  await t.rejects(h5.putResults(file, '', enc.encode('(lp0\n.')), { code: 'PYME_ERR_INVALID_ARGUMENT', unsupported: true })
  await t.rejects(h5.putResults(file, 'a/b', enc.encode('[{"t": 1}]')), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  await h5.closeFile(file)
  const py = await runPyTables(READ_H5, [file])
  t.same(py.metadata, { 'Analysis.FitModule': ['str', 'LatGaussFitFR'], 'voxelsize.x': ['float', 0.1] })
  t.same(Object.keys(py.tables).sort(), ['Drift', 'FitResults'])
  t.match(py.tables.FitResults, { class: 'TABLE', nrows: 3, NROWS: 3, complevel: 5, complib: 'zlib' })
  t.same(py.tables.FitResults.rows, [[0, [0, 10], 0], [1, [1.5, 11], 0], [7, [2, 3], 1]])
  t.same(py.tables.Drift.dtype, [['t', '<i8'], ['x', '<f8'], ['name', '|S3']])
  t.same(py.tables.Drift.rows, [[1, 0.5, 'a'], [2, 'nan', 'bcd'], [3, 1.25, 'e']])
})

function npy (descr: string, n: number, fill: (v: DataView, i: number) => void, itemsize: number): Uint8Array {
  let header = `{'descr': ${descr}, 'fortran_order': False, 'shape': (${n},), }`
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n'
  const out = new Uint8Array(10 + header.length + n * itemsize)
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0])
  new DataView(out.buffer).setUint16(8, header.length, true)
  out.set(enc.encode(header), 10)
  const v = new DataView(out.buffer, 10 + header.length)
  for (let i = 0; i < n; i++) fill(v, i)
  return out
}
