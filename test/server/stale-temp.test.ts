// A server killed mid-upload leaves its hidden temp file behind (it is never listed or
// served). The next listing of that directory on a local root removes it, once its owner is
// gone and it is old, and never touches a live upload's file.
import { spawnSync } from 'node:child_process'
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { STALE_TEMP_MS, sweepIfStale } from '../../lib/server/directory-scan.js'
import { startDataServerForTest } from '../helpers/data-servers.js'

/** The pid of a process that has exited (reuse within the test is vanishingly unlikely). */
function deadPid (): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  return Number(r.stdout)
}

t.test('stale temp files of dead servers are swept by the next listing, nothing else', async (t) => {
  const s = await startDataServerForTest(t, { syncCommit: 'auto' })
  const dir = join(s.root, 'series')
  await mkdir(dir)
  const dead = deadPid()
  const old = new Date(Date.now() - STALE_TEMP_MS - 60_000)
  const files = {
    stale: `.pyme-tmp-${dead}-0a1b2c3d-7`,
    legacy: `.pyme-tmp-${dead}-12-deadbeef`,
    fresh: `.pyme-tmp-${dead}-0a1b2c3d-8`,
    live: '.pyme-tmp-1-0a1b2c3d-9',
    mine: `.pyme-tmp-${process.pid}-0a1b2c3d-10`,
    other: '.pyme-agg.events.txt',
    data: 'frame_0.pzf'
  }
  for (const [k, name] of Object.entries(files)) {
    await writeFile(join(dir, name), 'x')
    if (k !== 'fresh') await utimes(join(dir, name), old, old)
  }
  const listing = await (await fetch(`${s.url}series/`)).json() as Record<string, unknown>
  t.same(Object.keys(listing), ['frame_0.pzf'], 'only the data file is listed')
  const left = (await readdir(dir)).sort()
  t.same(left, [files.live, files.mine, files.fresh, files.other, files.data].sort(), 'stale files of dead owners removed')
})

t.test('sweepIfStale refuses what it does not own', async (t) => {
  t.equal(sweepIfStale('/nonexistent/.pyme-tmp-0-x', '.pyme-tmp-0-x'), false, 'pid 0 is never an owner')
  t.equal(sweepIfStale('/nonexistent/x', 'x'), false, 'not a temp name')
  t.equal(sweepIfStale(`/nonexistent/.pyme-tmp-${deadPid()}-a-1`, `.pyme-tmp-${deadPid()}-a-1`), false, 'a vanished file is not an error')
})

t.test('a read-only server does not sweep', async (t) => {
  const s = await startDataServerForTest(t)
  await mkdir(join(s.root, 'ro'))
  const name = `.pyme-tmp-${deadPid()}-a-1`
  await writeFile(join(s.root, 'ro', name), 'x')
  const old = new Date(Date.now() - STALE_TEMP_MS - 60_000)
  await utimes(join(s.root, 'ro', name), old, old)
  const ro = await startDataServerForTest(t, { root: s.root, readOnly: true })
  t.equal((await fetch(`${ro.url}ro/`)).status, 200)
  t.same(await readdir(join(s.root, 'ro')), [name])
})
