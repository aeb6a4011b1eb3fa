/**
 * `PUT /__aggregate_txt/<path>` (PROTOCOL.md §3.9.3): appends the body to a text file, for
 * analysis logs and results. Ours differs from PYME where PYME is unsafe:
 *
 * - appends to one file are serialised (a promise chain per file, in arrival order);
 * - the body is received completely (into a temp file) before anything is appended, so a
 *   client that goes away never leaves half a record;
 * - only files created by aggregation can be appended to: such a file has a hidden marker
 *   `.pyme-agg.<name>` next to it. A write-once file is never appended to (409), and a
 *   normal PUT to an aggregate file gets 405 like any existing name;
 * - the listing shows the real size after each append.
 */
import { constants } from 'node:fs'
import { lstat, open, writeFile, type FileHandle } from 'node:fs/promises'
import type { Http1Request } from './http1/http1-request.js'
import { join } from 'node:path'
import type { BodyLimits } from './body-receiver.js'
import { HttpFailure, failureForFsError } from './http-failure.js'
import { RESERVED_PREFIX } from './root-fs.js'
import { receiveToTempFile, removeTemp } from './temp-upload.js'
import { prepareTarget, refuseAfterBody, type PutContext } from './write-once-put.js'

/** Mode of aggregate files (they change, so not the read-only write-once mode). */
export const AGGREGATE_MODE = 0o640

function markerName (name: string): string {
  return `${RESERVED_PREFIX}agg.${name}`
}

async function lstatOrUndefined (path: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await lstat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw failureForFsError(err)
  }
}

const COPY_CHUNK = 1 << 20

// Appends the file `source` (`bytes` long) to `target` in bounded chunks; a buffer no larger
// than the record (most are a line of text, and a 1 MiB buffer is not pooled).
async function copyInto (source: string, bytes: number, target: FileHandle): Promise<void> {
  const src = await open(source, 'r')
  try {
    const size = Math.max(1, Math.min(COPY_CHUNK, bytes))
    const buf = Buffer.allocUnsafe(size)
    for (;;) {
      const { bytesRead } = await src.read(buf, 0, size, null)
      if (bytesRead === 0) break
      let written = 0
      while (written < bytesRead) written += (await target.write(buf, written, bytesRead - written)).bytesWritten
    }
  } finally {
    await src.close()
  }
}

export class AggregateAppender {
  readonly #ctx: PutContext
  // Tail of the append chain per absolute file path; removed when the chain runs dry.
  readonly #chains = new Map<string, Promise<void>>()

  constructor (ctx: PutContext) {
    this.#ctx = ctx
  }

  /**
   * Appends the body of `req` to the aggregate file `segments`, after `before` (the previous
   * request on the same connection) has finished, so a connection's records keep their order.
   */
  async append (req: Http1Request, segments: readonly string[], limits: BodyLimits, before: Promise<void> = Promise.resolve()): Promise<void> {
    if (segments.length === 0) return refuseAfterBody(req, limits, new HttpFailure(400, 'Missing file name'))
    const { dir, dirSegments, name, recreate } = await prepareTarget(this.#ctx, req, segments, limits, before)
    // Receive first (concurrently with other appends), append in arrival order after.
    const upload = await receiveToTempFile(dir, req, { ...limits, fsync: false, mode: 0o600 }, recreate)
    const target = join(dir, name)
    await before
    const previous = this.#chains.get(target) ?? Promise.resolve()
    const run = previous.then(() => this.#appendFile(upload.path, upload.bytes, dir, dirSegments, name))
    const tail = run.catch(() => {})
    this.#chains.set(target, tail)
    try {
      await run
    } finally {
      await removeTemp(upload.path)
      if (this.#chains.get(target) === tail) this.#chains.delete(target)
    }
  }

  async #appendFile (source: string, bytes: number, dir: string, dirSegments: readonly string[], name: string): Promise<void> {
    const target = join(dir, name)
    const marker = join(dir, markerName(name))
    const st = await lstatOrUndefined(target)
    let created = false
    if (st !== undefined) {
      if (!st.isFile() || await lstatOrUndefined(marker) === undefined) {
        throw new HttpFailure(409, 'Not an aggregate file')
      }
    }
    let fh
    try {
      if (st === undefined) {
        // O_EXCL: a normal PUT that linked the name meanwhile wins; we then refuse.
        fh = await open(target, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_APPEND, AGGREGATE_MODE)
        created = true
        await writeFile(marker, '', { mode: 0o600 })
      } else {
        fh = await open(target, constants.O_WRONLY | constants.O_APPEND)
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new HttpFailure(409, 'Not an aggregate file')
      throw failureForFsError(err)
    }
    let before = 0
    try {
      before = (await fh.stat()).size
      await copyInto(source, bytes, fh)
      const size = (await fh.stat()).size
      this.#ctx.index.fileWritten(dirSegments, name, size, created)
    } catch (err) {
      // Never leave part of a record behind (e.g. disk full in the middle).
      await fh.truncate(before).catch(() => {})
      throw err instanceof HttpFailure ? err : failureForFsError(err)
    } finally {
      await fh.close().catch(() => {})
    }
  }
}
