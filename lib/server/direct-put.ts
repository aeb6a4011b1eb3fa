/**
 * The write-once PUT of an ordinary file on a local file system, taken straight from the HTTP
 * engine's read buffer (issue 12: server CPU per upload at or below PYME's). Same guarantees
 * and the same answers as the general path (write-once-put.ts), fewer system calls and no
 * stream, promise or copy per piece:
 *
 *   head parsed ─► known directory? open(.pyme-tmp-…, O_EXCL, 0440)  (else: the general path)
 *   body pieces ─► ≤ 1 MiB: write() from the read buffer, synchronously
 *                  > 1 MiB: read into pooled 1 MiB buffers, written on libuv's pool (pooled-file-writer.ts)
 *   body end ──► [fsync] close ─► after the previous request: link(temp, name) ─► unlink(temp) ─► 200
 *
 * `link()` refuses an existing name (EEXIST → 405), so no lstat before the body is needed: a
 * second PUT of a name costs a temp file written and removed, the same answer. A body cut
 * short, a write error (ENOSPC → 507) or a refused link leaves no file behind.
 *
 * Everything that is not this common case (a directory not yet known, gzip, chunked bodies,
 * endpoints, read-only or test servers, network file systems, `open` failing) goes the general
 * way before a byte of body was consumed.
 */
import { closeSync, constants, fchmodSync, fsyncSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs'
import type { BufferPool } from '../internal/buffer-pool.js'
import { tempName } from '../internal/temp-name.js'
import { HttpFailure, failureForFsError } from './http-failure.js'
import type { DirectBodySink, Http1Request } from './http1/http1-request.js'
import { PooledFileWriter } from './pooled-file-writer.js'
import { routingPath, translateRequestPath } from './request-path.js'
import { RESERVED_PREFIX } from './root-fs.js'
import { creationMode, SMALL_BODY } from './temp-upload.js'
import { WRITE_ONCE_MODE, type PutContext } from './write-once-put.js'

const CREATE = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY
const MIRROR = /(?:^|&)MirrorSource=/

/** How a direct PUT ends: committed (200 sent by `commit`) or failed (the error to answer with). */
export interface DirectPutHooks {
  /** Runs `commit` once the request before this one on the connection has finished. */
  readonly afterPrevious: (commit: () => void) => void
  /** The PUT is over: answered (200) or `err` (HttpFailure, or UploadAbortedError) to answer. */
  readonly done: (err: unknown) => void
}

export interface DirectPutContext extends PutContext {
  readonly maxBodyBytes: number
  readonly pool: BufferPool
}

/**
 * Takes `req` on the direct path when it is the common case; false leaves it (untouched) to the
 * general path. `answer200` sends the 200.
 */
export function tryDirectPut (ctx: DirectPutContext, req: Http1Request, answer200: () => void, hooks: DirectPutHooks): boolean {
  if (req.method !== 'PUT' || req.chunked || req.contentLength < 0 || req.contentLength > ctx.maxBodyBytes || req.httpVersionMajor !== 1) return false
  const enc = req.headers['content-encoding']
  if (enc !== undefined && enc !== '' && enc.toLowerCase() !== 'identity') return false
  const route = routingPath(req.url)
  if (route.startsWith('__aggregate') || route.startsWith('__pyramid')) return false
  let segments: readonly string[]
  try {
    const path = translateRequestPath(req.url)
    if (path.trailingSlash || MIRROR.test(path.query)) return false
    segments = path.segments
  } catch {
    return false
  }
  const name = segments[segments.length - 1]
  if (name === undefined || name.startsWith(RESERVED_PREFIX)) return false
  const dirSegments = segments.slice(0, -1)
  const dir = ctx.fs.knownDirectory(dirSegments)
  if (dir === undefined) return false
  const [create, chmod] = creationMode(WRITE_ONCE_MODE)
  // `dir` is absolute and normalised, names have no '/': no path.join (normalising) per upload.
  const temp = `${dir}/${tempName()}`
  let fd: number
  try {
    fd = openSync(temp, CREATE, create)
  } catch {
    return false
  }
  const put = new DirectPut(ctx, fd, temp, dir, dirSegments, name, chmod, req.contentLength, answer200, hooks, () => { req.socket.resumeReading() })
  req.takeBody(put)
  return true
}

class DirectPut implements DirectBodySink {
  readonly #ctx: DirectPutContext
  readonly #fd: number
  readonly #temp: string
  readonly #dir: string
  readonly #dirSegments: readonly string[]
  readonly #name: string
  readonly #chmod: boolean
  readonly #length: number
  readonly #answer200: () => void
  readonly #hooks: DirectPutHooks
  readonly #writer: PooledFileWriter | null
  #failure: HttpFailure | null = null
  #open = true

  constructor (ctx: DirectPutContext, fd: number, temp: string, dir: string, dirSegments: readonly string[], name: string,
    chmod: boolean, length: number, answer200: () => void, hooks: DirectPutHooks, resume: () => void) {
    this.#ctx = ctx
    this.#fd = fd
    this.#temp = temp
    this.#dir = dir
    this.#dirSegments = dirSegments
    this.#name = name
    this.#chmod = chmod
    this.#length = length
    this.#answer200 = answer200
    this.#hooks = hooks
    this.#writer = length > SMALL_BODY ? new PooledFileWriter(fd, ctx.pool, resume) : null
  }

  write (buf: Buffer, start: number, end: number): boolean {
    if (this.#failure !== null) return true
    if (this.#writer !== null) return this.#writer.write(buf, start, end)
    try {
      while (start < end) start += writeSync(this.#fd, buf, start, end - start)
    } catch (err) {
      // Read the rest of the body and answer with the error (ENOSPC → 507).
      this.#failure = failureForFsError(err)
    }
    return true
  }

  target (max: number): Buffer | undefined {
    return this.#writer?.target(max)
  }

  filled (n: number): boolean {
    return this.#writer?.filled(n) ?? true
  }

  end (): void {
    if (this.#writer === null || this.#failure !== null) {
      this.#closeFile()
      return
    }
    this.#writer.end((err) => {
      if (err !== null && this.#failure === null) this.#failure = failureForFsError(err)
      this.#closeFile()
    })
  }

  abort (): void {
    if (this.#writer === null) {
      this.#discard()
      this.#hooks.done(ABORTED)
      return
    }
    void this.#writer.stop().then(() => {
      this.#discard()
      this.#hooks.done(ABORTED)
    })
  }

  #closeFile (): void {
    if (this.#failure === null) {
      try {
        // The mode first, so that an fsync covers it too.
        if (this.#chmod) fchmodSync(this.#fd, WRITE_ONCE_MODE)
        if (this.#ctx.fsync) fsyncSync(this.#fd)
      } catch (err) {
        this.#failure = failureForFsError(err)
      }
    }
    this.#open = false
    try { closeSync(this.#fd) } catch { /* Linux frees the descriptor anyway */ }
    if (this.#failure !== null) {
      this.#discard()
      // The answer keeps its place: after the request before it.
      const failure = this.#failure
      this.#hooks.afterPrevious(() => { this.#hooks.done(failure) })
      return
    }
    this.#hooks.afterPrevious(() => { this.#commit() })
  }

  #commit (): void {
    const target = `${this.#dir}/${this.#name}`
    try {
      linkSync(this.#temp, target)
    } catch (err) {
      this.#discard()
      this.#hooks.done(failureForFsError(err))
      return
    }
    this.#discard()
    if (this.#ctx.fsync) {
      try {
        const dirFd = openSync(this.#dir, 'r')
        try { fsyncSync(dirFd) } finally { closeSync(dirFd) }
      } catch (err) {
        this.#hooks.done(failureForFsError(err))
        return
      }
    }
    this.#ctx.index.fileWritten(this.#dirSegments, this.#name, this.#length, true)
    this.#ctx.onFileCommitted(this.#length)
    this.#answer200()
    this.#hooks.done(null)
  }

  // Removes the temp file (and closes it if still open).
  #discard (): void {
    if (this.#open) {
      this.#open = false
      try { closeSync(this.#fd) } catch { /* freed anyway */ }
    }
    try { unlinkSync(this.#temp) } catch { /* gone */ }
  }
}

/** Marks an upload whose body never arrived whole. */
export const ABORTED = Symbol('pyme:direct-put-aborted')
