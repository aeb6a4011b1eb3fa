/**
 * A small tmpfs of its own for a test (disk-full cases): mounted in a fresh temp directory,
 * unmounted and removed in the test's teardown. Undefined where mounting is not allowed
 * (not root): the caller skips with a clear reason.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'

export async function mountSmallTmpfs (t: Test, size: string): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-small-tmpfs-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const mnt = join(dir, 'small')
  await mkdir(mnt)
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt], { stdio: 'ignore' })
  } catch {
    return undefined
  }
  t.teardown(() => { execFileSync('umount', ['-l', mnt], { stdio: 'ignore' }) })
  return mnt
}
