/**
 * Durability: a process killed in the middle of an append (at several points inside the
 * HDF5 library's writes) never loses an acknowledged row, and the file opens, for
 * PyTables and for us. The killed append is simply not there.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { H5Service } from '../../lib/hdf5/h5-service.js'
import { runPyTables, skipWithoutPyTables } from '../helpers/pytables.js'

const MAIN = fileURLToPath(new URL('./append-main.ts', import.meta.url))
const READ_H5 = fileURLToPath(new URL('../interop/read_h5.py', import.meta.url))
const REPO = fileURLToPath(new URL('../..', import.meta.url))

function run (args: string[]): Promise<{ acked: number, signal: string | null }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import=@tapjs/typescript/import', MAIN, ...args], { cwd: REPO, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' }, timeout: 120_000 }, (err, stdout) => {
      const acked = stdout.split('\n').filter((l) => l.startsWith('acked ')).length
      resolve({ acked, signal: (err as { signal?: string } | null)?.signal ?? null })
    })
  })
}

t.test('killed mid-append: acknowledged frames intact, the file opens, appends go on', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-h5kill-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  // Write counts that land inside the first appends, later ones, and the metadata.
  let undone = 0
  for (const killAfter of [11, 37, 90]) {
    const file = join(dir, `k${killAfter}.h5`)
    const { acked, signal } = await run([file, '30', String(killAfter)])
    t.equal(signal, 'SIGKILL', `killed at write ${killAfter}`)
    t.ok(acked < 30, `${acked} frames acknowledged before the kill`)
    const journal = await stat(join(dir, `.pyme-h5j.k${killAfter}.h5`)).catch(() => undefined)
    if ((journal?.size ?? 0) > 0) undone++
    const h5 = new H5Service()
    const listing = await h5.seriesListing(file).catch(() => ['metadata.json'])
    const frames = listing.filter((n) => n.startsWith('frame'))
    t.same(frames, Array.from({ length: acked }, (_, i) => `frame${String(i).padStart(5, '0')}.pzf`), 'exactly the acknowledged frames')
    // Appending goes on after the recovery.
    await h5.putSeriesMember(file, `frame${String(acked).padStart(5, '0')}.pzf`, (await import('../../lib/pzf/encode-pzf.js')).encodePzf(new Uint16Array(64 * 32), { shape: [64, 32], frameNum: acked }))
    await h5.close()
    if (skipWithoutPyTables() === false) {
      const py = await runPyTables(READ_H5, [file])
      t.equal(py.image.nrows, acked + 1, 'PyTables opens it and sees every row')
      t.same(py.index.rows.map((r: number[]) => r[0]), Array.from({ length: acked + 1 }, (_, i) => i))
    }
  }
  t.ok(undone > 0, `the journal undid in-place changes of ${undone} killed appends`)
})
