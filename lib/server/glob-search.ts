/**
 * `GET /__glob?pattern=<glob>` (PROTOCOL.md §3.9.2), confined to the data root: the pattern
 * is a relative cluster path whose components may use Python `fnmatch` syntax (`*`, `?`,
 * `[seq]`, `[!seq]`); it is matched component by component from the root, never through a
 * symlink that leaves the root. Results are cluster-relative paths (directories without a
 * trailing `/`, as PYME returns them), sorted, and bounded in number.
 *
 * Like Python's `glob.glob`, a wildcard does not match names starting with `.` unless the
 * pattern component starts with `.` too; `**` is an ordinary `*` (no recursion).
 */
import { readdir, realpath, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fnmatchPattern } from '../internal/fnmatch.js'
import { HttpFailure } from './http-failure.js'
import { RESERVED_PREFIX, type RootFs } from './root-fs.js'

const MAGIC = /[*?[]/

/** Splits and checks a glob pattern: relative, no `..`, no NUL. Throws HttpFailure 400. */
export function parseGlobPattern (pattern: string): string[] {
  if (pattern === '') throw new HttpFailure(400, 'Empty pattern')
  if (pattern.startsWith('/')) throw new HttpFailure(400, 'Absolute patterns are not allowed')
  if (/[\u0000-\u001f\u007f\\]/.test(pattern)) throw new HttpFailure(400, 'Bad character in pattern')
  const parts = pattern.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.some((p) => p === '..')) throw new HttpFailure(400, "'..' is not allowed in patterns")
  if (parts.length === 0) throw new HttpFailure(400, 'Empty pattern')
  return parts
}

/** Matches `pattern` under the root; at most `limit` results. */
export async function globSearch (fs: RootFs, pattern: string, limit: number): Promise<string[]> {
  const parts = parseGlobPattern(pattern)
  // Each level: cluster-relative paths (without the last part) that are directories.
  let level: string[] = ['']
  for (let i = 0; i < parts.length && level.length > 0; i++) {
    const part = parts[i] as string
    const last = i === parts.length - 1
    const next: string[] = []
    const re = MAGIC.test(part) ? fnmatchPattern(part) : undefined
    for (const base of level) {
      const dir = base === '' ? fs.realRoot : join(fs.realRoot, base)
      let names: string[]
      if (re === undefined) {
        names = [part]
      } else {
        try {
          names = (await readdir(dir)).filter((n) => re.test(n) && (!n.startsWith('.') || part.startsWith('.')))
        } catch {
          continue
        }
      }
      for (const name of names) {
        if (name.startsWith(RESERVED_PREFIX)) continue
        const rel = base === '' ? name : `${base}/${name}`
        const kind = await inside(fs, join(dir, name))
        if (kind === undefined || (!last && kind !== 'dir')) continue
        next.push(rel)
        if (next.length >= limit) break
      }
      if (next.length >= limit) break
    }
    level = next
  }
  return level.sort()
}

// 'dir' | 'file' when the entry exists and (after symlinks) stays inside the root.
async function inside (fs: RootFs, path: string): Promise<'dir' | 'file' | undefined> {
  try {
    const real = await realpath(path)
    if (!fs.contains(real)) return undefined
    return (await stat(real)).isDirectory() ? 'dir' : 'file'
  } catch {
    return undefined
  }
}
