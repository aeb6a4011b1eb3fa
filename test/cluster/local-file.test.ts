import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { isInside, localFilePath, openLocalFile, readLocalFile } from '../../lib/cluster/local-file.js'

t.test('containment by path.relative, not by prefix', async (t) => {
  t.ok(isInside('/data/PYME', '/data/PYME/a/b'))
  t.notOk(isInside('/data/PYME', '/data/PYMEx/a'), "PYME's prefix test would admit this sibling")
  t.notOk(isInside('/data/PYME', '/data/PYME'))
  t.notOk(isInside('/data/PYME', '/data'))
  t.ok(isInside('/data/PYME', '/data/PYME/..x'), "a name starting with '..' is inside")
})

t.test('reads only complete (read-only) files inside the real root', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'pyme-local-'))
  t.teardown(() => rm(base, { recursive: true, force: true }))
  const root = join(base, 'root')
  const sibling = join(base, 'rootx')
  await mkdir(join(root, 'd'), { recursive: true })
  await mkdir(sibling)
  await writeFile(join(root, 'd', 'done.bin'), 'complete')
  await chmod(join(root, 'd', 'done.bin'), 0o440)
  await writeFile(join(root, 'd', 'partial.bin'), 'still writing')
  await writeFile(join(sibling, 'secret'), 'outside')
  await chmod(join(sibling, 'secret'), 0o440)
  await symlink(join(sibling, 'secret'), join(root, 'd', 'escape'))
  await symlink(join(root, 'd', 'done.bin'), join(root, 'd', 'inner-link'))
  await mkdir(join(root, 'd', 'sub'))
  await chmod(join(root, 'd', 'sub'), 0o550)

  t.equal((await readLocalFile(root, 'd/done.bin'))?.toString(), 'complete')
  t.equal((await readLocalFile(root, 'd/inner-link'))?.toString(), 'complete', 'a link inside the root is fine')
  t.equal(await readLocalFile(root, 'd/partial.bin'), null, 'writable: not known to be complete')
  t.equal(await readLocalFile(root, 'd/escape'), null, 'a symlink out of the root is refused')
  t.equal(await localFilePath(root, 'd/escape'), null)
  t.equal(await readLocalFile(root, 'd/missing'), null)
  t.equal(await readLocalFile(root, 'd/sub'), null, 'a directory is not a file')
  const opened = await openLocalFile(root, 'd/done.bin')
  t.equal(opened?.size, 8)
  await opened?.handle.close()
})
