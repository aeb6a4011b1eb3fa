/**
 * Python's `tempfile.gettempdir()` on POSIX: the first usable of `$TMPDIR`, `$TEMP`, `$TMP`,
 * `/tmp`, `/var/tmp`, `/usr/tmp`, then the working directory. PYME's host-local registry lives
 * there (PROTOCOL.md §4.4), so we must pick the same directory as a Python process would.
 */
import { accessSync, constants, statSync } from 'node:fs'
import { resolve } from 'node:path'

function usable (dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false
    accessSync(dir, constants.W_OK | constants.X_OK)
    return true
  } catch {
    return false
  }
}

export function pythonTempDir (env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const candidates = [env['TMPDIR'], env['TEMP'], env['TMP'], '/tmp', '/var/tmp', '/usr/tmp']
  for (const c of candidates) {
    if (c !== undefined && c !== '' && usable(c)) return resolve(c)
  }
  return resolve(cwd)
}
