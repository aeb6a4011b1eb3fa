/**
 * Receives a request body into a hidden temporary file in the target directory (same file
 * system, so it can be linked into place atomically; PROTOCOL.md §3.6 MUST):
 *
 *   open(.pyme-tmp-<pid>-<n>-<rand>, O_CREAT|O_EXCL|O_WRONLY, 0600) → stream body →
 *   [fsync] → fchmod(mode) → close
 *
 * On any failure (client gone, bad gzip, too large, disk full) the temporary file is removed
 * before the error propagates, so nothing partial is ever left behind.
 */
import { randomBytes } from 'node:crypto'
import { constants, createWriteStream } from 'node:fs'
import { open, unlink, type FileHandle } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { join } from 'node:path'
import { receiveBody, type BodyLimits } from './body-receiver.js'
import { failureForFsError } from './http-failure.js'
import { RESERVED_PREFIX } from './root-fs.js'

let sequence = 0

/** A hidden, unique temporary name (never listed: it starts with the reserved prefix). */
export function tempName (): string {
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER
  return `${RESERVED_PREFIX}tmp-${process.pid}-${sequence}-${randomBytes(4).toString('hex')}`
}

export interface TempUploadOptions extends BodyLimits {
  readonly fsync: boolean
  /** Permission bits of the finished file. */
  readonly mode: number
}

/** A received body: the temporary file (closed) and its length. */
export interface TempUpload {
  readonly path: string
  readonly bytes: number
}

const WRITE_HWM = 1 << 20

/**
 * Streams the body of `req` into a new temporary file in `dir`. When `dir` turns out to be
 * missing (removed behind the server's back), `recreateDir` is asked once to make it again.
 */
export async function receiveToTempFile (dir: string, req: IncomingMessage, options: TempUploadOptions, recreateDir?: () => Promise<unknown>): Promise<TempUpload> {
  let path = join(dir, tempName())
  let fh: FileHandle
  try {
    try {
      fh = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || recreateDir === undefined) throw err
      await recreateDir()
      path = join(dir, tempName())
      fh = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600)
    }
  } catch (err) {
    // Read (and drop) the body first, so the connection stays in step.
    const drained = await receiveBody(req, undefined, { maxBytes: options.maxBytes, gzip: false })
    throw drained.ok || !drained.failure.closeConnection ? failureForFsError(err) : drained.failure
  }
  let committed = false
  const sink = createWriteStream('', { fd: fh, autoClose: false, highWaterMark: WRITE_HWM })
  // Errors are reported through receiveBody; this keeps a late one from going unhandled.
  sink.on('error', noop)
  try {
    const outcome = await receiveBody(req, sink, options)
    if (!outcome.ok) throw outcome.failure
    try {
      if (options.fsync) await fh.sync()
      await fh.chmod(options.mode)
    } catch (err) {
      throw failureForFsError(err)
    }
    committed = true
    return { path, bytes: outcome.bytes }
  } finally {
    if (!sink.closed) {
      // Wait for a write still in flight before the descriptor goes away.
      const closed = new Promise<void>((resolve) => { sink.once('close', () => resolve()) })
      sink.destroy()
      await closed
    }
    await fh.close().catch(() => {})
    if (!committed) await unlink(path).catch(() => {})
  }
}

/** Removes a temporary file, ignoring a missing one. */
export async function removeTemp (path: string): Promise<void> {
  await unlink(path).catch(() => {})
}

function noop (): void {}
