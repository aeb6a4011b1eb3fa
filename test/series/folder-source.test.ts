import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { FolderSource } from '../../lib/series/folder-source.js'

t.test('lists, reads and checks files of a local series', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-folder-source-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'metadata.json'), '{}')
  await mkdir(join(dir, 'sub'))
  const src = new FolderSource(dir)
  t.equal(src.settleMs, 0)
  t.match(src.url, /^file:\/\//)
  t.same([...await src.list()].sort(), ['metadata.json', 'sub'])
  t.equal(Buffer.from(await src.read('metadata.json')).toString(), '{}')
  t.equal(await src.exists('metadata.json'), true)
  t.equal(await src.exists('events.json'), false)
  t.equal(await src.exists('sub'), false, 'a directory is not a file of the series')
  await t.rejects(src.read('events.json'), { code: 'PYME_ERR_NOT_FOUND' })
  await t.rejects(src.read('sub'), { code: 'EISDIR' }, 'other errors pass through')
  for (const bad of ['', '.', '..', '../x', 'a/b', 'a\\b', 'a\u0000']) {
    await t.rejects(src.read(bad), { code: 'PYME_ERR_INVALID_ARGUMENT' }, JSON.stringify(bad))
  }
  await t.rejects(src.exists('../etc'), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  await t.rejects(new FolderSource(join(dir, 'missing')).list(), { code: 'PYME_ERR_NOT_FOUND' })
  await t.rejects(new FolderSource(join(dir, 'metadata.json', 'x')).list(), { code: 'PYME_ERR_NOT_FOUND' }, 'ENOTDIR is missing too')
  t.equal(await new FolderSource(join(dir, 'metadata.json')).exists('x'), false)
  await t.rejects(new FolderSource(join(dir, 'metadata.json')).list(), { code: 'PYME_ERR_NOT_FOUND' })
  t.throws(() => new FolderSource(''), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  await src.close()
})
