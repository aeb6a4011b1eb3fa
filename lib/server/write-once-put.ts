/**
 * PUT of an ordinary file: write-once and atomic (PROTOCOL.md §3.6 MUST).
 *
 *   ensure parents (mkdir -p inside the root) → exists? 405 (body drained)
 *   → body into a hidden temp file (O_EXCL, fsync optional, chmod 0440)
 *   → link(temp, name): EEXIST → 405, temp removed → unlink(temp) → [fsync(dir)] → listing updated → 200
 *
 * `link()` never replaces an existing name, so among concurrent PUTs of one name exactly one
 * gets 200; the file appears complete or not at all, and a body cut short is never stored.
 * A trailing `/` makes a directory (existing → 405).
 */
import { linkSync, lstatSync } from 'node:fs'
import { link, lstat, mkdir, open, type FileHandle } from 'node:fs/promises'
import type { Http1Request } from './http1/http1-request.js'
import { join } from 'node:path'
import { receiveBody, type BodyLimits } from './body-receiver.js'
import type { DirectoryIndex } from './directory-index.js'
import { HttpFailure, failureForFsError } from './http-failure.js'
import { RESERVED_PREFIX, type RootFs } from './root-fs.js'
import { receiveToTempFile, removeTemp } from './temp-upload.js'

const SETTLED = Promise.resolve()

/** Mode of committed files: read-only, PYME's write-once marker. */
export const WRITE_ONCE_MODE = 0o440

export interface PutContext {
  readonly fs: RootFs
  readonly index: DirectoryIndex
  readonly fsync: boolean
  /** Commit with synchronous system calls (a local file system; see local-filesystem.ts). */
  readonly syncCommit: boolean
  /** Tells the index about a directory a PUT created (bound once, not per request). */
  readonly onDirectoryCreated: (parent: readonly string[], name: string) => void
  /** Counts a committed file for `/__status` (bound once). */
  readonly onFileCommitted: (bytes: number) => void
}

/** Where a PUT writes: the directory (made if missing), its segments, the name. */
export interface PutTarget {
  readonly dir: string
  readonly dirSegments: string[]
  readonly name: string
  /** Makes the directory again if it vanished behind the server's back since it was made. */
  readonly recreate: () => Promise<unknown>
}

/** Reads and drops the body, then throws `failure` (the connection stays in step). */
export async function refuseAfterBody (req: Http1Request, limits: BodyLimits, failure: HttpFailure): Promise<never> {
  const outcome = await receiveBody(req, undefined, { maxBytes: limits.maxBytes, gzip: false })
  if (!outcome.ok && outcome.failure.closeConnection) throw outcome.failure
  throw failure
}

async function exists (path: string, sync: boolean): Promise<boolean> {
  try {
    // throwIfNoEntry: a missing name (the usual case) costs no Error object.
    if (sync) return lstatSync(path, { throwIfNoEntry: false }) !== undefined
    await lstat(path)
    return true
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return false
    if (code === 'ENOTDIR') throw new HttpFailure(409, 'Parent is not a directory')
    throw failureForFsError(err)
  }
}

/**
 * The directory a PUT writes into, created if missing; refusals come after the body was read.
 * Directories are only created once `before` (the previous request) has finished, so that
 * pipelined requests change the namespace in order; a known directory needs no wait.
 */
export async function prepareTarget (ctx: PutContext, req: Http1Request, segments: readonly string[], limits: BodyLimits, before: Promise<void>): Promise<PutTarget> {
  const name = segments[segments.length - 1]
  if (name === undefined) return refuseAfterBody(req, limits, new HttpFailure(405, 'File already exists'))
  if (name.startsWith(RESERVED_PREFIX)) return refuseAfterBody(req, limits, new HttpFailure(400, 'Reserved name'))
  const dirSegments = segments.slice(0, -1)
  const recreate = (): Promise<string> => ctx.fs.remakeDirectory(dirSegments, ctx.onDirectoryCreated)
  let dir = ctx.fs.knownDirectory(dirSegments)
  if (dir !== undefined) return { dir, dirSegments, name, recreate }
  await before
  try {
    dir = await ctx.fs.ensureDirectory(dirSegments, ctx.onDirectoryCreated)
    return { dir, dirSegments, name, recreate }
  } catch (err) {
    return refuseAfterBody(req, limits, err instanceof HttpFailure ? err : failureForFsError(err))
  }
}

/**
 * Handles a write-once PUT of `segments`; resolves when the file is committed. The commit
 * (link or mkdir) waits for `before` (the previous request on the connection), so pipelined
 * PUTs commit in order while their bodies stream in.
 */
export async function putWriteOnce (ctx: PutContext, req: Http1Request, segments: readonly string[], isDirectory: boolean, limits: BodyLimits, before: Promise<void> = SETTLED): Promise<void> {
  const { index } = ctx
  const { dir, dirSegments, name, recreate } = await prepareTarget(ctx, req, segments, limits, before)
  const target = join(dir, name)
  let present: boolean
  try {
    present = await exists(target, ctx.syncCommit)
  } catch (err) {
    return refuseAfterBody(req, limits, err as HttpFailure)
  }
  if (present) return refuseAfterBody(req, limits, new HttpFailure(405, 'File already exists'))

  if (isDirectory) {
    const outcome = await receiveBody(req, undefined, { maxBytes: limits.maxBytes, gzip: false })
    if (!outcome.ok) throw outcome.failure
    await before
    try {
      await mkdir(target)
    } catch (err) {
      throw failureForFsError(err)
    }
    index.directoryCreated(dirSegments, name)
    return
  }

  const sync = ctx.syncCommit
  const upload = await receiveToTempFile(dir, req, { ...limits, fsync: ctx.fsync, mode: WRITE_ONCE_MODE, sync }, recreate)
  try {
    await before
    if (sync) linkSync(upload.path, target)
    else await link(upload.path, target)
  } catch (err) {
    await removeTemp(upload.path, sync)
    throw failureForFsError(err)
  }
  await removeTemp(upload.path, sync)
  // With fsync, a 200 means the name survives a power cut too: the directory entry is synced.
  if (ctx.fsync) await syncDirectory(dir)
  index.fileWritten(dirSegments, name, upload.bytes, true)
  ctx.onFileCommitted(upload.bytes)
}

async function syncDirectory (dir: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch (err) {
    throw failureForFsError(err)
  } finally {
    await handle?.close()
  }
}
