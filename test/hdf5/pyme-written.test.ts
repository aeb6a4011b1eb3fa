/**
 * Reading an .h5 series written by PYME's own calls (test/fixtures/h5/pyme-series.h5, made by
 * make_pyme_h5.py with PyTables): the attribute forms PyTables writes natively, the index
 * mapping frame numbers to rows, PyTables' default chunking. No Python needed at test time.
 */
import { copyFile, mkdtemp, rm, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { SeriesReader } from '../../lib/series/series-reader.js'
import { startDataServerForTest } from '../helpers/data-servers.js'

const FIXTURE = fileURLToPath(new URL('../fixtures/h5/pyme-series.h5', import.meta.url))

t.test('SeriesReader reads PYME\'s file: frames by number, metadata types, events', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-h5-fixture-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'p.h5')
  await copyFile(FIXTURE, file)
  const reader = await SeriesReader.open(file)
  t.equal(reader.frameCount, 3)
  t.equal(reader.isComplete, true)
  for (const n of [0, 1, 2]) {
    const f = await reader.getFrame(n)
    t.same(Array.from(f.data as Uint16Array), Array.from({ length: 12 }, (_, i) => 100 * n + i), `frame ${n} from its row in PZFImageIndex`)
  }
  const md = reader.metadata
  t.equal(md.get('Camera.ADOffset'), 100)
  t.equal(md.get('Camera.Name'), 'Sim cam')
  t.equal(md.get('Camera.IsOn'), true, 'a bitfield is a bool')
  t.equal(md.get('Camera.Mode'), 3, 'int32')
  t.equal(md.get('voxelsize.x'), 0.5, 'float32')
  t.same(md.get('Positions'), [1, 2, 3], 'an array attribute')
  t.equal(md.get('Notes'), '', 'a NULL dataspace string')
  t.same(md.get('Views'), [1, 'a'], 'a pickled list, read safely')
  t.same((await reader.events()).map((e) => [e.name, e.description, e.time]), [['StartAq', '0', 1716872400.5], ['ProtocolFocus', '12, 3.5', 1716872401.25]])
  await reader.close()
})

t.test('our server serves PYME\'s file as a series folder', async (t) => {
  const server = await startDataServerForTest(t)
  await mkdir(join(server.root, 'x'))
  await copyFile(FIXTURE, join(server.root, 'x/p.h5'))
  const listing = await (await fetch(server.url + 'x/p.h5/')).json() as Record<string, unknown>
  t.same(Object.keys(listing), ['metadata.json', 'events.json', 'frame00000.pzf', 'frame00001.pzf', 'frame00002.pzf'])
  const md = await (await fetch(server.url + 'x/p.h5/metadata.json')).text()
  t.match(md, /"Camera\.IsOn": true/)
  t.equal((await fetch(server.url + 'x/p.h5/frame00002.pzf')).status, 200)
})
