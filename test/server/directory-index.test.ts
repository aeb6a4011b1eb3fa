// DirectoryIndex memory bound: the LRU of listings stays under its entry budget.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { DirectoryIndex } from '../../lib/server/directory-index.js'
import { RootFs } from '../../lib/server/root-fs.js'

t.test('listings beyond the entry budget are evicted, least recently used first', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pyme-index-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  for (let d = 0; d < 6; d++) {
    await mkdir(join(root, `d${d}`))
    for (let f = 0; f < 100; f++) await writeFile(join(root, `d${d}`, `f${f}`), 'x')
  }
  const fs = await RootFs.open(root)
  const index = new DirectoryIndex(fs, { countdirCompat: false, maxDirectories: 100, maxEntries: 250, minTtlMs: 60_000, minMaxAgeMs: 60_000 })
  for (let d = 0; d < 6; d++) {
    const json = JSON.parse((await index.listing([`d${d}`], join(root, `d${d}`))).toString()) as object
    t.equal(Object.keys(json).length, 100)
    t.ok(index.cachedEntries <= 250, `after d${d}: ${index.cachedEntries} entries cached`)
  }
  // Own updates to an evicted directory are simply dropped; the next listing reads the disk.
  await writeFile(join(root, 'd0', 'new'), 'yy')
  index.fileWritten(['d0'], 'new', 2, true)
  const again = JSON.parse((await index.listing(['d0'], join(root, 'd0'))).toString()) as Record<string, number[]>
  t.same(again['new'], [0, 2])
  t.ok(index.cachedEntries <= 250)
  // A directory limit applies too.
  const few = new DirectoryIndex(fs, { countdirCompat: false, maxDirectories: 2, maxEntries: 1e6, minTtlMs: 60_000, minMaxAgeMs: 60_000 })
  for (let d = 0; d < 6; d++) await few.listing([`d${d}`], join(root, `d${d}`))
  t.equal(few.cachedEntries, 200)
  await t.rejects(few.listing(['gone'], join(root, 'gone')), { code: 'ENOENT' })
})

t.test('DirectoryScanner: scans on a worker, reports file-system errors with their code, settles pending scans on close', async (t) => {
  const { DirectoryScanner } = await import('../../lib/server/directory-scanner.js')
  const root = await mkdtemp(join(tmpdir(), 'pyme-scan-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  await mkdir(join(root, 'd/sub'), { recursive: true })
  await writeFile(join(root, 'd/B.txt'), 'bb')
  await writeFile(join(root, 'd/a.h5'), 'aaaa')
  await writeFile(join(root, 'd/sub/metadata.json'), '{}')
  const scanner = new DirectoryScanner()
  const opts = { realRoot: root, countdirCompat: false }
  const r = await scanner.scan(join(root, 'd'), opts)
  t.equal(r.count, 3)
  t.same(r.keys.split('\0'), ['a.h5', 'B.txt', 'sub/'], 'sorted case-insensitively')
  t.same([...r.flags], [2, 0, 3])
  t.same([...r.sizes], [4, 2, 1])
  t.same(JSON.parse(r.json), { 'a.h5': [2, 4], 'B.txt': [0, 2], 'sub/': [3, 1] })
  await t.rejects(scanner.scan(join(root, 'missing'), opts), { code: 'ENOENT' })
  // A scan in flight when the worker goes away settles (with its result if it raced ahead).
  const pending = scanner.scan(join(root, 'd'), opts).then(() => 'resolved', (err: Error) => err.message)
  await scanner.close()
  t.match(await pending, /resolved|exited|closed/)
  await t.rejects(scanner.scan(join(root, 'd'), opts), /closed/)
  await scanner.close()
})
