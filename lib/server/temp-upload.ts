/**
 * Receives a request body into a hidden temporary file in the target directory (same file
 * system, so it can be linked into place atomically; PROTOCOL.md §3.6 MUST):
 *
 *   open(.pyme-tmp-<pid>-<run>-<n>, O_CREAT|O_EXCL|O_WRONLY, mode) → body → [fsync] → close
 *
 * The file is created with its final mode (0440 for write-once files: the descriptor open
 * for writing is unaffected), one fchmod fewer per upload. Where the process's umask would
 * strip bits of that mode (or cannot be read), it is created 0600 and fchmod'ed before the
 * fsync as before, so the mode is exactly `mode` either way.
 *
 * Two ways, one result:
 * - `sync` (a local file system, see local-filesystem.ts) and a body of known length up to
 *   SMALL_BODY: the chunks are kept as they arrive (no copy) and written with one `writev`;
 *   open, write, [fchmod] and close are synchronous system calls (microseconds each), not
 *   thread-pool hand-offs;
 * - otherwise the body streams to the file asynchronously, never held whole in memory, in
 *   batches of 1 MiB, each one `writev` on libuv's pool (batched-file-writer.ts).
 *
 * On any failure (client gone, bad gzip, too large, disk full) the temporary file is removed
 * before the error propagates, so nothing partial is ever left behind.
 */
import { close, closeSync, constants, fchmod, fchmodSync, fsync, fsyncSync, open, openSync, readFileSync, unlinkSync, writevSync } from 'node:fs'
import { unlink } from 'node:fs/promises'
import type { Http1Request } from './http1/http1-request.js'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { BatchedFileWriter, unwritten } from './batched-file-writer.js'
import { receiveBody, type BodyLimits, type BodySink } from './body-receiver.js'
import { failureForFsError } from './http-failure.js'
import { tempName } from '../internal/temp-name.js'

// Callback-style calls on a numeric descriptor: no FileHandle object and close promise per upload.
const openAsync = promisify(open)
const fchmodAsync = promisify(fchmod)
const fsyncAsync = promisify(fsync)
const closeAsync = promisify(close)

export interface TempUploadOptions extends BodyLimits {
  readonly fsync: boolean
  /** Permission bits of the finished file. */
  readonly mode: number
  /** Use synchronous system calls for the file's metadata (local file systems). @default false */
  readonly sync?: boolean
}

/** A received body: the temporary file (closed) and its length. */
export interface TempUpload {
  readonly path: string
  readonly bytes: number
}

/** Bodies up to this size (with a Content-Length, not gzip) are collected, then written at once. */
export const SMALL_BODY = 1 << 20
const CREATE = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY

let umask: number | undefined | null = null

/**
 * The process's umask, read once from /proc (`process.umask()` can only read it by setting
 * it); undefined where it cannot be read.
 */
function processUmask (): number | undefined {
  if (umask === null) {
    /* c8 ignore start: the fallbacks are for systems without /proc or its Umask line (Linux < 4.7) */
    try {
      const m = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'latin1'))
      umask = m === null ? undefined : parseInt(m[1] as string, 8)
    } catch {
      umask = undefined
    }
    /* c8 ignore stop */
  }
  return umask
}

/** The mode to create a temporary file with, and whether `mode` must still be set by fchmod. */
export function creationMode (mode: number): [create: number, chmod: boolean] {
  const mask = processUmask()
  return mask !== undefined && (mask & mode) === 0 ? [mode, false] : [0o600, true]
}

/**
 * Streams the body of `req` into a new temporary file in `dir`. When `dir` turns out to be
 * missing (removed behind the server's back), `recreateDir` is asked once to make it again.
 */
export async function receiveToTempFile (dir: string, req: Http1Request, options: TempUploadOptions, recreateDir?: () => Promise<unknown>): Promise<TempUpload> {
  const length = Number(req.headers['content-length'] ?? -1)
  if (options.sync === true && !options.gzip && length >= 0 && length <= SMALL_BODY) {
    return receiveSmall(dir, req, options, recreateDir)
  }
  return receiveStreaming(dir, req, options, recreateDir)
}

/** Most chunks kept as they came; a body sent in more, tinier pieces is copied into one buffer. */
const MAX_CHUNKS = 64

/**
 * Collects a body of at most `length` bytes (its Content-Length, <= SMALL_BODY), normally
 * without copying. Each chunk costs a Buffer object, so a client trickling a body byte by byte
 * would make a megabyte cost a hundred; past MAX_CHUNKS it is gathered into one buffer.
 */
class ChunkSink implements BodySink {
  readonly #length: number
  #chunks: Buffer[] = []
  #whole: Buffer | null = null
  #filled = 0
  #overrun = false

  constructor (length: number) {
    this.#length = length
  }

  get chunks (): Buffer[] {
    return this.#whole === null ? this.#chunks : [this.#whole.subarray(0, this.#filled)]
  }

  write (chunk: Buffer): boolean {
    /* c8 ignore start: Node's parser delivers exactly Content-Length bytes; this keeps a
       change there from writing past the buffer unnoticed */
    if (this.#overrun || this.#filled + chunk.length > this.#length) {
      this.#overrun = true
      return true
    }
    /* c8 ignore stop */
    if (this.#whole !== null) {
      chunk.copy(this.#whole, this.#filled)
    } else if (this.#chunks.length < MAX_CHUNKS) {
      this.#chunks.push(chunk)
    } else {
      this.#whole = Buffer.allocUnsafe(this.#length)
      let at = 0
      for (const c of this.#chunks) at += c.copy(this.#whole, at)
      chunk.copy(this.#whole, at)
      this.#chunks = []
    }
    this.#filled += chunk.length
    return true
  }

  end (cb: (err?: Error | null) => void): void {
    /* c8 ignore next: see write() */
    cb(this.#overrun ? new Error('body longer than its Content-Length') : null)
  }

  // Never asks for a pause and never fails while receiving: nothing to listen for.
  once (): this { return this }
  on (): this { return this }
  off (): this { return this }
}

/**
 * Opens a new temporary file in `dir` with `opener`; when `dir` turns out to be missing,
 * `recreateDir` is asked once to make it again. Throws the file-system error.
 */
async function openTemp<T> (dir: string, opener: (path: string) => T | Promise<T>, recreateDir?: () => Promise<unknown>): Promise<{ path: string, file: T }> {
  const path = join(dir, tempName())
  try {
    return { path, file: await opener(path) }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || recreateDir === undefined) throw err
    await recreateDir()
    const again = join(dir, tempName())
    return { path: again, file: await opener(again) }
  }
}

async function receiveSmall (dir: string, req: Http1Request, options: TempUploadOptions, recreateDir?: () => Promise<unknown>): Promise<TempUpload> {
  const [create, chmod] = creationMode(options.mode)
  const sink = new ChunkSink(Number(req.headers['content-length']))
  const outcome = await receiveBody(req, sink, options)
  if (!outcome.ok) throw outcome.failure
  let path: string
  let fd: number
  try {
    ({ path, file: fd } = await openTemp(dir, (p) => openSync(p, CREATE, create), recreateDir))
  } catch (err) {
    throw failureForFsError(err)
  }
  let open = true
  try {
    writeAllSync(fd, sink.chunks)
    // The mode first, so that an fsync covers it too.
    if (chmod) fchmodSync(fd, options.mode)
    if (options.fsync) fsyncSync(fd)
    // Closed once, even if close fails: Linux frees the descriptor anyway, and its number may
    // already belong to another request's file.
    open = false
    closeSync(fd)
  } catch (err) {
    if (open) try { closeSync(fd) } catch { /* nothing more to do */ }
    try { unlinkSync(path) } catch { /* gone */ }
    throw failureForFsError(err)
  }
  return { path, bytes: outcome.bytes }
}

// writev may write less than asked (rare for regular files, but allowed): continue after it.
function writeAllSync (fd: number, chunks: Buffer[]): void {
  let pending = chunks
  while (pending.length > 0) pending = unwritten(pending, writevSync(fd, pending))
}

async function receiveStreaming (dir: string, req: Http1Request, options: TempUploadOptions, recreateDir?: () => Promise<unknown>): Promise<TempUpload> {
  const [create, chmod] = creationMode(options.mode)
  let path: string
  let fd: number
  try {
    ({ path, file: fd } = await openTemp(dir, async (p) => await openAsync(p, CREATE, create), recreateDir))
  } catch (err) {
    // Read (and drop) the body first, so the connection stays in step.
    const drained = await receiveBody(req, undefined, { maxBytes: options.maxBytes, gzip: false })
    throw drained.ok || !drained.failure.closeConnection ? failureForFsError(err) : drained.failure
  }
  let committed = false
  const sink = new BatchedFileWriter(fd)
  try {
    const outcome = await receiveBody(req, sink, options)
    if (!outcome.ok) throw outcome.failure
    try {
      // The mode first, so that an fsync covers it too.
      if (chmod && options.sync === true) fchmodSync(fd, options.mode)
      else if (chmod) await fchmodAsync(fd, options.mode)
      if (options.fsync) await fsyncAsync(fd)
    } catch (err) {
      throw failureForFsError(err)
    }
    committed = true
    return { path, bytes: outcome.bytes }
  } finally {
    // A write still in flight finishes before the descriptor goes away.
    await sink.stop()
    if (options.sync === true) {
      try { closeSync(fd) } catch { /* Linux frees the descriptor anyway */ }
    } else {
      await closeAsync(fd).catch(() => {})
    }
    if (!committed) await unlink(path).catch(() => {})
  }
}

/** Removes a temporary file, ignoring a missing one. */
export async function removeTemp (path: string, sync = false): Promise<void> {
  if (sync) {
    try { unlinkSync(path) } catch { /* gone */ }
    return
  }
  await unlink(path).catch(() => {})
}
