/**
 * Local bypass (PROTOCOL.md §5.6, our SHOULD): a file on a data server whose root is on this
 * machine is read from disk, without HTTP, only if
 *
 *   1. its real path (symlinks resolved) is inside the server's real root, by path.relative
 *      (PYME's prefix test admits `/data/PYMEx` for root `/data/PYME`), and
 *   2. it is a regular file with no write permission bit: our server writes to a temporary
 *      name and links the file in, mode 0440, only once it is complete.
 *
 * Anything else returns null and the caller reads over HTTP.
 */
import { open, realpath, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { debuglog } from 'node:util'
import { isWithin } from '../internal/path-within.js'

const debug = debuglog('pyme')

/** True when `child` (a real path) lies strictly inside `root` (a real path). */
export function isInside (root: string, child: string): boolean {
  return child !== root && isWithin(root, child)
}

/** The real path of a complete file `path` under `realRoot`, or null when it may not be read directly. */
export async function localFilePath (realRoot: string, path: string): Promise<string | null> {
  let real: string
  try {
    real = await realpath(join(realRoot, ...path.split('/')))
  } catch {
    return null
  }
  if (!isInside(realRoot, real)) {
    debug('local bypass: %s resolves outside %s; reading over HTTP', path, realRoot)
    return null
  }
  return real
}

/**
 * Opens a complete local file (checks 1 and 2 above, the second on the opened descriptor), or
 * returns null. The caller closes the handle.
 */
export async function openLocalFile (realRoot: string, path: string): Promise<{ handle: FileHandle, size: number, realPath: string } | null> {
  const real = await localFilePath(realRoot, path)
  if (real === null) return null
  let handle: FileHandle
  try {
    handle = await open(real, 'r')
  } catch {
    return null
  }
  try {
    const st = await handle.stat()
    if (!st.isFile() || (st.mode & 0o222) !== 0) {
      debug('local bypass: %s is not a complete write-once file (mode %s); reading over HTTP', path, (st.mode & 0o777).toString(8))
      await handle.close()
      return null
    }
    return { handle, size: st.size, realPath: real }
  } catch (err) {
    await handle.close()
    throw err
  }
}

/** Reads a complete local file into one Buffer, or returns null (see `openLocalFile`). */
export async function readLocalFile (realRoot: string, path: string): Promise<Buffer | null> {
  const opened = await openLocalFile(realRoot, path)
  if (opened === null) return null
  const { handle, size } = opened
  try {
    const out = Buffer.allocUnsafe(size)
    let at = 0
    while (at < size) {
      const { bytesRead } = await handle.read(out, at, size - at, at)
      if (bytesRead === 0) break
      at += bytesRead
    }
    // Write-once files do not shrink; a short read means the file is not what we checked.
    return at === size ? out : null
  } finally {
    await handle.close()
  }
}
