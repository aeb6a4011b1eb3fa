/**
 * Reading one directory from disk into listing rows (PROTOCOL.md §3.5), synchronously: used
 * inline for small directories and on a worker thread (directory-scanner.ts) for large
 * ones, so that a 100,000-file series never stalls the server's event loop.
 *
 *   ScanResult
 *     keys:  listing keys joined by '\0' ('name' for files, 'name/' for directories)
 *     flags: Uint8Array    one per key (0x01 dir, 0x02 series, 0x04 complete)
 *     sizes: Float64Array  bytes for files, entry count for directories
 *     json:  the serialised listing, in key order
 *
 * Keys are sorted case-insensitively as PYME sorts them. Server-owned names (`.pyme-*`),
 * broken links, links leading out of the root and non-files (FIFOs, sockets) are left out.
 * With `sweepStaleTemp`, an upload temp file left by a server process that died (killed
 * mid-upload) is removed as the scan passes it.
 */
import { lstatSync, readdirSync, realpathSync, statSync, unlinkSync, type Dirent } from 'node:fs'
import { join } from 'node:path'
import { ListingFlags } from '../internal/listing-flags.js'
import { isWithin } from '../internal/path-within.js'
import { tempNameOwner } from '../internal/temp-name.js'

/** Names that belong to the server (temp files, markers): hidden and never writable. */
export const RESERVED_PREFIX = '.pyme-'

export { ListingFlags }

export interface ScanOptions {
  /** The real (symlink-free) data root: links must resolve inside it. */
  readonly realRoot: string
  readonly countdirCompat: boolean
  /**
   * Remove upload temp files (`.pyme-tmp-<pid>-...`) of a process that no longer exists and
   * untouched for STALE_TEMP_MS. Only for a root on a local file system: on a shared one, the
   * pid may be another host's (and a live server there may own the file).
   */
  readonly sweepStaleTemp?: boolean
}

/** A temp file must be this old (mtime) as well as ownerless before it is swept. */
export const STALE_TEMP_MS = 10 * 60_000

/** Whether process `pid` exists on this host (EPERM: it does, and is someone else's). */
function processExists (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

/** Removes `path` if it is an upload temp file its dead owner left behind (best effort). */
export function sweepIfStale (path: string, name: string, now = Date.now()): boolean {
  const pid = tempNameOwner(name)
  if (pid === undefined || pid === process.pid || !Number.isSafeInteger(pid) || pid <= 0 || processExists(pid)) return false
  try {
    const st = lstatSync(path)
    if (!st.isFile() || now - st.mtimeMs < STALE_TEMP_MS) return false
    unlinkSync(path)
    return true
  } catch {
    return false
  }
}

export interface ScanResult {
  readonly keys: string
  readonly count: number
  readonly flags: Uint8Array
  readonly sizes: Float64Array
  readonly json: string
}

/** Flags of a regular file by its name (`.h5` files count as series). */
export function fileFlags (name: string, countdirCompat: boolean): number {
  if (!name.endsWith('.h5')) return ListingFlags.NORMAL
  return countdirCompat ? ListingFlags.SERIES | ListingFlags.SERIES_COMPLETE : ListingFlags.SERIES
}

function directoryEntry (path: string, countdirCompat: boolean): [number, number] {
  let flags: number = ListingFlags.DIRECTORY
  let count = 0
  for (const n of readdirSync(path)) {
    if (n.startsWith(RESERVED_PREFIX)) continue
    count++
    if (n === 'metadata.json') flags |= ListingFlags.SERIES
    else if (n === 'events.json') flags |= ListingFlags.SERIES_COMPLETE
  }
  return [flags, countdirCompat ? count + 2 : count]
}

function describe (dir: string, d: Dirent, opts: ScanOptions): [string, number, number] | undefined {
  const name = d.name
  if (name.startsWith(RESERVED_PREFIX)) {
    if (opts.sweepStaleTemp === true) sweepIfStale(join(dir, name), name)
    return undefined
  }
  const path = join(dir, name)
  try {
    if (d.isFile()) return [name, fileFlags(name, opts.countdirCompat), statSync(path).size]
    if (d.isDirectory()) return [`${name}/`, ...directoryEntry(path, opts.countdirCompat)]
    if (d.isSymbolicLink()) {
      // Listed only when the target stays inside the root (as GET would serve it).
      const real = realpathSync(path)
      if (!isWithin(opts.realRoot, real)) return undefined
      const st = statSync(real)
      if (st.isFile()) return [name, fileFlags(name, opts.countdirCompat), st.size]
      if (st.isDirectory()) return [`${name}/`, ...directoryEntry(real, opts.countdirCompat)]
    }
  } catch {
    // Vanished or unreadable while listing (or a broken link): leave it out.
  }
  // FIFOs, sockets, devices: not files a client can GET.
  return undefined
}

/** Reads `dir` (a real path) into sorted listing rows and their JSON. Throws on a missing dir. */
export function scanDirectory (dir: string, opts: ScanOptions): ScanResult {
  const rows: Array<[string, string, number, number]> = []
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const row = describe(dir, d, opts)
    if (row !== undefined) rows.push([row[0].toLowerCase(), ...row])
  }
  rows.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  const flags = new Uint8Array(rows.length)
  const sizes = new Float64Array(rows.length)
  const keys: string[] = []
  const parts: string[] = []
  for (let i = 0; i < rows.length; i++) {
    const [, key, f, size] = rows[i] as [string, string, number, number]
    keys.push(key)
    flags[i] = f
    sizes[i] = size
    parts.push(`${JSON.stringify(key)}:[${f},${size}]`)
  }
  return { keys: keys.join('\0'), count: rows.length, flags, sizes, json: `{${parts.join(',')}}` }
}
