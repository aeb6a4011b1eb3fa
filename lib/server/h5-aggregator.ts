/**
 * HDF5 on the data server (docs/hdf5.md; PROTOCOL.md §3.9.4–3.9.6):
 *
 *   PUT /__aggregate_h5/<series>.h5/<member>     PYME's cluster_h5 acquisition: metadata.json,
 *                                                 frame%05d.pzf, final_metadata.json, events.json
 *                                                 appended to one HDF5 file in PYME's layout
 *   PUT /__aggregate_h5r/<file>.h5r/<table>       result tables (.npy or JSON records) and
 *   PUT /__aggregate_h5r/<file>.hdf/<table>       MetaData (JSON); a pickle is refused (415)
 *   GET /<series>.h5/                             the file as a series folder (read-only):
 *   GET /<series>.h5/<member>                     listing, metadata.json, events.json, frames
 *
 * The body is received whole into memory first (so a request cut short adds nothing), then,
 * in the connection's order, handed to `H5Service`'s worker, which appends it as one
 * committed transaction: 200 means the rows are in the file (flushed; with `fsync`, on disk).
 * The worker and h5wasm start on the first such request only.
 */
import { lstat } from 'node:fs/promises'
import type { Http1Request } from './http1/http1-request.js'
import type { Http1Response } from './http1/http1-response.js'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { PymeError } from '../errors.js'
import { H5Service } from '../hdf5/h5-service.js'
import { receiveBody, type BodyLimits } from './body-receiver.js'
import { HttpFailure, failureForFsError } from './http-failure.js'
import type { RequestPath } from './request-path.js'
import { JSON_TYPE, sendBody } from './responses.js'
import { RESERVED_PREFIX } from './root-fs.js'
import { prepareTarget, refuseAfterBody, type PutContext } from './write-once-put.js'

/** Largest body held in memory for one HDF5 append. */
const MAX_H5_BODY = 1024 ** 3
const OWNER_WRITE = 0o200

/** Options of `H5Aggregator`. */
export interface H5AggregatorOptions {
  readonly maxBodyBytes: number
  /** fsync each committed append. */
  readonly fsync: boolean
}

// Collects a body into one ArrayBuffer (sized by Content-Length when given), so it can be
// transferred to the worker without another copy.
class MemorySink extends Writable {
  #buf: Uint8Array
  #len = 0

  constructor (expected: number) {
    super()
    this.#buf = new Uint8Array(new ArrayBuffer(Math.max(0, expected)))
  }

  override _write (chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.#len + chunk.length > this.#buf.length) {
      const grown = new Uint8Array(new ArrayBuffer(Math.max(this.#len + chunk.length, this.#buf.length * 2)))
      grown.set(this.#buf.subarray(0, this.#len))
      this.#buf = grown
    }
    this.#buf.set(chunk, this.#len)
    this.#len += chunk.length
    cb()
  }

  /** The bytes received, in a buffer of exactly that size. */
  body (): Uint8Array {
    return this.#len === this.#buf.length ? this.#buf : this.#buf.slice(0, this.#len)
  }
}

/** Where `.h5` / `.h5r` ends in a path: index of that segment, or -1. */
export function fileSegment (segments: readonly string[], suffixes: readonly string[]): number {
  return segments.findIndex((s) => suffixes.some((x) => s.endsWith(x) && s.length > x.length))
}

function statusOf (err: unknown): HttpFailure {
  if (err instanceof HttpFailure) return err
  if (err instanceof PymeError) {
    switch (err.code) {
      case 'PYME_ERR_EXISTS': return new HttpFailure(405, 'Frame already stored')
      case 'PYME_ERR_NOT_FOUND': return new HttpFailure(404, 'Not Found')
      case 'PYME_ERR_INVALID_ARGUMENT':
        return (err as { unsupported?: boolean }).unsupported === true
          ? new HttpFailure(415, 'Unsupported data: send .npy or JSON records, never a pickle')
          : new HttpFailure(400, 'Malformed body')
      case 'PYME_ERR_SERIES_FORMAT': return new HttpFailure(400, 'Malformed JSON')
      case 'PYME_ERR_PZF_FORMAT': return new HttpFailure(400, 'Not a PZF frame')
      case 'PYME_ERR_HDF5': return new HttpFailure(500, 'HDF5 error')
    }
  }
  return failureForFsError(err)
}

export class H5Aggregator {
  readonly #ctx: PutContext
  readonly #opts: H5AggregatorOptions
  #service: H5Service | undefined

  constructor (ctx: PutContext, options: H5AggregatorOptions) {
    this.#ctx = ctx
    this.#opts = options
  }

  get #h5 (): H5Service {
    this.#service ??= new H5Service({ fsync: this.#opts.fsync })
    return this.#service
  }

  /** `PUT /__aggregate_h5/…` (`results` false) or `/__aggregate_h5r/…` (true). */
  async put (req: Http1Request, path: RequestPath, limits: BodyLimits, previous: Promise<void>, results: boolean): Promise<void> {
    const segs = path.segments
    const at = fileSegment(segs, results ? ['.h5r', '.hdf'] : ['.h5'])
    const rest = at < 0 ? [] : segs.slice(at + 1)
    if (at < 0) return refuseAfterBody(req, limits, new HttpFailure(400, results ? 'No .h5r or .hdf file in path' : 'No .h5 file in path'))
    if (rest.length > 1) return refuseAfterBody(req, limits, new HttpFailure(400, 'Nested member path'))
    const member = rest[0] ?? ''
    if (!results && member === '') return refuseAfterBody(req, limits, new HttpFailure(400, 'Missing member name'))
    const fileSegs = segs.slice(0, at + 1)
    const target = await prepareTarget(this.#ctx, req, fileSegs, limits, previous)
    const cl = Number(req.headers['content-length'] ?? '0')
    const max = Math.min(limits.maxBytes, this.#opts.maxBodyBytes, MAX_H5_BODY)
    if (cl > max) return refuseAfterBody(req, limits, new HttpFailure(413, 'Payload Too Large'))
    const sink = new MemorySink(limits.gzip ? 0 : cl)
    const outcome = await receiveBody(req, sink, { ...limits, maxBytes: max })
    if (!outcome.ok) throw outcome.failure
    await previous
    const file = join(target.dir, target.name)
    let before
    try {
      before = await lstat(file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw failureForFsError(err)
    }
    // A write-once file (0440) or anything that is not a regular file is never appended to.
    if (before !== undefined && (!before.isFile() || (before.mode & OWNER_WRITE) === 0)) throw new HttpFailure(409, 'Not an aggregate HDF5 file')
    try {
      if (results) await this.#h5.putResults(file, member, sink.body(), { transfer: true })
      else await this.#h5.putSeriesMember(file, member, sink.body(), { transfer: true })
    } catch (err) {
      throw statusOf(err)
    }
    const after = await lstat(file)
    this.#ctx.index.fileWritten(target.dirSegments, target.name, after.size, before === undefined)
  }

  /**
   * `GET`/`HEAD` of `<series>.h5/` or `<series>.h5/<member>` when `<series>.h5` is a file.
   * Returns false (not handled) for any other path.
   */
  async get (res: Http1Response, path: RequestPath, head: boolean): Promise<boolean> {
    const segs = path.segments
    const at = fileSegment(segs, ['.h5'])
    if (at < 0 || (at === segs.length - 1 && !path.trailingSlash)) return false
    if (segs.some((s) => s.startsWith(RESERVED_PREFIX))) return false
    let real: string
    try {
      real = await this.#ctx.fs.resolveExisting(segs.slice(0, at + 1))
      if (!(await lstat(real)).isFile()) return false
    } catch {
      return false
    }
    const rest = segs.slice(at + 1)
    try {
      if (rest.length === 0) {
        const names = await this.#h5.seriesListing(real)
        const body = Buffer.from(`{${names.map((n) => `${JSON.stringify(n)}:[0,0]`).join(',')}}`)
        sendBody(res, 200, { 'Content-Type': JSON_TYPE }, body, head)
        return true
      }
      if (rest.length > 1) throw new HttpFailure(404, 'Not Found')
      const member = rest[0] as string
      const bytes = await this.#h5.readSeriesMember(real, member)
      const type = member.endsWith('.json') ? JSON_TYPE : 'application/octet-stream'
      sendBody(res, 200, { 'Content-Type': type }, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), head)
      return true
    } catch (err) {
      throw statusOf(err)
    }
  }

  /** Closes every open HDF5 file cleanly and stops the worker. */
  async close (): Promise<void> {
    await this.#service?.close()
  }
}
