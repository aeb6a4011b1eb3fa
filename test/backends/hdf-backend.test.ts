import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import t, { type Test } from 'tap'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { HdfBackend } from '../../lib/backends/hdf-backend.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { runPyTables, skipWithoutPyTables } from '../helpers/pytables.js'
import { cameraFrame, compareReadBack } from './frames.js'

const READ_H5 = fileURLToPath(new URL('../interop/read_h5.py', import.meta.url))
const W = 48
const H = 32

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-hdf-backend-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

t.test('HdfBackend: a local .h5 series in PYME\'s layout, read back by SeriesReader and PyTables', async (t) => {
  const file = join(await tempDir(t), 'series.h5')
  t.throws(() => new HdfBackend({ file: join(file, '..', 'x.pcs'), shape: [W, H] }), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  const backend = new HdfBackend({ file, shape: [W, H], metadata: { 'Camera.ADOffset': 100 } })
  t.equal(backend.getURL(), pathToFileURL(file).href)
  await backend.initialize()
  const frames: Uint16Array[] = []
  for (let n = 0; n < 60; n++) {
    const f = cameraFrame(W, H, n)
    frames.push(f.slice())
    if (!backend.storeFrame(n, f)) await backend.ready()
  }
  backend.logEvent('ProtocolTask', 'x')
  const report = await backend.close()
  t.equal(report.frames, 60)
  t.equal(report.complete, true)
  t.same(await readdir(join(file, '..')), ['series.h5'], 'one file, nothing else left')

  const reader = await SeriesReader.open(file)
  t.equal(reader.url, pathToFileURL(file).href)
  t.equal(reader.isComplete, true)
  t.equal(reader.frameCount, 60)
  t.equal(reader.metadata.get('Camera.ADOffset'), 100)
  t.same(await compareReadBack(reader, frames), { read: 60, differing: [] }, 'every frame bit for bit')
  await reader.close()

  const again = new HdfBackend({ file, shape: [W, H] })
  await t.rejects(again.initialize(), { code: 'PYME_ERR_EXISTS' }, 'an existing file is refused')
  await again.close().catch(() => {})
  if (skipWithoutPyTables() === false) {
    const py = await runPyTables(READ_H5, [file])
    t.equal(py.image.nrows, 60)
    t.same(py.metadata['Camera.ADOffset'], ['float', 100], 'a known float key stays a float')
    t.ok(py.events.rows.some((r: string[]) => r[0] === 'ProtocolTask' && r[1] === 'x'), 'events written')
  }
})

t.test('SeriesReader: a missing .h5 and a non-HDF5 .h5', async (t) => {
  const dir = await tempDir(t)
  await t.rejects(SeriesReader.open(join(dir, 'none.h5')), { code: 'PYME_ERR_NOT_FOUND' })
  await writeFile(join(dir, 'bad.h5'), 'not hdf5')
  await t.rejects(SeriesReader.open(join(dir, 'bad.h5')), { code: 'PYME_ERR_HDF5' })
})

t.test('ClusterBackend aggregate: \'h5\' (PYME\'s cluster_h5): one file on one server, read over the cluster', async (t) => {
  const server = await startDataServerForTest(t)
  t.throws(() => new ClusterBackend('jdoe/s.pcs', { servers: [server.url], shape: [W, H], aggregate: 'h5' }), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  const backend = new ClusterBackend('jdoe/2024_5_1/s.h5', { servers: [server.url], shape: [W, H], aggregate: 'h5' })
  await backend.initialize()
  const frames: Uint16Array[] = []
  for (let n = 0; n < 120; n++) {
    const f = cameraFrame(W, H, n)
    frames.push(f.slice())
    if (!backend.storeFrame(n, f)) await backend.ready()
  }
  const report = await backend.close()
  t.equal(report.frames, 120)
  t.equal(report.complete, true)
  t.same(await readdir(join(server.root, 'jdoe/2024_5_1')), ['s.h5'], 'a single HDF5 file')

  const reader = await SeriesReader.open('PYME-CLUSTER:///jdoe/2024_5_1/s.h5', { servers: [server.url], settleMs: 0 })
  t.equal(reader.isComplete, true)
  t.equal(reader.frameCount, 120)
  t.same(await compareReadBack(reader, frames), { read: 120, differing: [] })
  await reader.close()
  const local = await SeriesReader.open(join(server.root, 'jdoe/2024_5_1/s.h5'))
  t.equal(local.frameCount, 120)
  await local.close()

  const dup = new ClusterBackend('jdoe/2024_5_1/s.h5', { servers: [server.url], shape: [W, H], aggregate: 'h5' })
  await t.rejects(dup.initialize(), { code: 'PYME_ERR_EXISTS' })
  await dup.close().catch(() => {})
})
