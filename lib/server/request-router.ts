/**
 * Routing of one request (PROTOCOL.md §3.2), after PYME's order:
 *
 *   GET/HEAD  __status (exact) → status JSON | __glob → glob JSON |
 *             directory: no trailing `/` → 301, else JSON listing | file → bytes | 404
 *   PUT       [test delay] → [-t: discard] → [read-only: 403] → __aggregate_txt → append |
 *             __aggregate_h5r, __aggregate_h5 → HDF5 append (h5-aggregator.ts) |
 *             other __aggregate*, __pyramid* → 501 | ?MirrorSource → 403 | write-once PUT
 *   GET/HEAD  …also <series>.h5/ and <series>.h5/<member> of an .h5 file → its series folder
 *   other     501
 *
 * Every outcome is a complete response with Content-Length. Bodies of refused PUTs are read
 * first (as PYME does), so a pipelined connection stays in step; the only exceptions are
 * bodies too large to drain, answered with `Connection: close`.
 */
import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import type { Http1Request } from './http1/http1-request.js'
import type { Http1Response } from './http1/http1-response.js'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AggregateAppender } from './aggregate-appender.js'
import { bodyIsGzip, receiveBody, type BodyLimits } from './body-receiver.js'
import type { DirectoryIndex } from './directory-index.js'
import type { H5Aggregator } from './h5-aggregator.js'
import { sendFile } from './file-responder.js'
import { globSearch } from './glob-search.js'
import { HttpFailure, failureForFsError } from './http-failure.js'
import { encodeSegment, routingPath, translateRequestPath } from './request-path.js'
import { JSON_TYPE, sendBody, sendEmpty } from './responses.js'
import { RESERVED_PREFIX, type RootFs } from './root-fs.js'
import type { StatusReport } from './status-report.js'
import { putWriteOnce, refuseAfterBody, type PutContext } from './write-once-put.js'

const GLOB_LIMIT = 100_000

export interface RouterOptions {
  readonly readOnly: boolean
  readonly testMode: boolean
  readonly testDelayMs: number
  readonly maxBodyBytes: number
}

export class RequestRouter {
  readonly #fs: RootFs
  readonly #index: DirectoryIndex
  readonly #status: StatusReport
  readonly #appender: AggregateAppender
  readonly #opts: RouterOptions
  readonly #put: PutContext
  readonly #h5: H5Aggregator | undefined

  constructor (fs: RootFs, index: DirectoryIndex, status: StatusReport, appender: AggregateAppender, put: PutContext, options: RouterOptions, h5?: H5Aggregator) {
    this.#fs = fs
    this.#index = index
    this.#status = status
    this.#appender = appender
    this.#put = put
    this.#opts = options
    this.#h5 = h5
  }

  /**
   * Answers one request; HttpFailure is thrown for the caller to send. `previous` settles
   * when the request before it on the same connection has finished: only a PUT starts
   * before that (it receives its body meanwhile and waits to commit).
   */
  async handle (req: Http1Request, res: Http1Response, previous: Promise<void>): Promise<void> {
    // CPython (PYME) answers 505 to HTTP/2 and later request lines.
    if (req.httpVersionMajor >= 2) throw new HttpFailure(505, 'HTTP Version Not Supported', true)
    switch (req.method) {
      case 'GET':
      case 'HEAD':
        await previous
        if (this.#opts.testDelayMs > 0) await sleep(this.#opts.testDelayMs)
        return this.#get(req, res, req.method === 'HEAD')
      case 'PUT':
        if (this.#opts.testDelayMs > 0) await sleep(this.#opts.testDelayMs)
        await this.#putRequest(req, previous)
        sendEmpty(res, 200)
        return
      default:
        await previous
        // A body we do not want could be of any size: do not read it, close after answering.
        throw new HttpFailure(501, 'Unsupported method', hasBody(req))
    }
  }

  async #get (req: Http1Request, res: Http1Response, head: boolean): Promise<void> {
    const url = req.url ?? '/'
    const route = routingPath(url)
    if (route === '__status') {
      sendBody(res, 200, { 'Content-Type': JSON_TYPE }, await this.#status.body(), head)
      return
    }
    if (route.startsWith('__glob')) {
      const q = route.indexOf('?')
      const pattern = q < 0 ? null : new URLSearchParams(route.slice(q + 1)).get('pattern')
      if (pattern === null) throw new HttpFailure(400, 'Missing pattern')
      const matches = await globSearch(this.#fs, pattern, GLOB_LIMIT)
      sendBody(res, 200, { 'Content-Type': JSON_TYPE }, Buffer.from(JSON.stringify(matches)), head)
      return
    }
    const path = translateRequestPath(url)
    // Temp files and markers are the server's own: never served.
    if (path.segments.some((p) => p.startsWith(RESERVED_PREFIX))) throw new HttpFailure(404, 'Not Found')
    if (this.#h5 !== undefined && await this.#h5.get(res, path, head)) return
    const real = await this.#fs.resolveExisting(path.segments)
    let fh
    try {
      // O_NONBLOCK: opening a FIFO must not block (regular files are unaffected).
      fh = await open(real, constants.O_RDONLY | constants.O_NONBLOCK)
    } catch (err) {
      throw failureForFsError(err)
    }
    let st
    try {
      st = await fh.stat()
    } catch (err) {
      await fh.close()
      throw failureForFsError(err)
    }
    if (st.isDirectory()) {
      await fh.close()
      if (!path.trailingSlash) {
        const location = '/' + path.segments.map(encodeSegment).join('/') + (path.segments.length > 0 ? '/' : '') +
          (path.query === '' ? '' : `?${path.query}`)
        sendEmpty(res, 301, { Location: location })
        return
      }
      sendBody(res, 200, { 'Content-Type': JSON_TYPE }, await this.#index.listing(path.segments, real), head)
      return
    }
    if (!st.isFile()) {
      await fh.close()
      throw new HttpFailure(403, 'Not a regular file')
    }
    await sendFile(res, fh, real, st.size, st.mtime, head)
  }

  async #putRequest (req: Http1Request, previous: Promise<void>): Promise<void> {
    // Length checks before any body byte is read: nothing to drain (411), or too much (413).
    const cl = req.headers['content-length']
    if (cl === undefined && req.headers['transfer-encoding'] === undefined) throw new HttpFailure(411, 'Length Required')
    if (cl !== undefined && Number(cl) > this.#opts.maxBodyBytes) throw new HttpFailure(413, 'Payload Too Large', true)
    let limits: BodyLimits = { maxBytes: this.#opts.maxBodyBytes, gzip: false }
    try {
      limits = { maxBytes: this.#opts.maxBodyBytes, gzip: bodyIsGzip(req) }
    } catch (err) {
      return refuseAfterBody(req, limits, err as HttpFailure)
    }
    if (this.#opts.testMode) {
      const outcome = await receiveBody(req, undefined, limits)
      if (!outcome.ok) throw outcome.failure
      return
    }
    if (this.#opts.readOnly) return refuseAfterBody(req, limits, new HttpFailure(403, 'Read-only server'))
    const url = req.url ?? '/'
    const route = routingPath(url)
    if (route.startsWith('__aggregate_txt')) {
      const path = translateRequestPath(route.slice('__aggregate_txt'.length))
      return this.#appender.append(req, path.segments, limits, previous)
    }
    if (this.#h5 !== undefined && route.startsWith('__aggregate_h5')) {
      const results = route.startsWith('__aggregate_h5r')
      const path = translateRequestPath(route.slice(results ? '__aggregate_h5r'.length : '__aggregate_h5'.length))
      return this.#h5.put(req, path, limits, previous, results)
    }
    if (route.startsWith('__aggregate')) {
      // __aggregate_h5r unpickles bodies in PYME (remote code execution): never here.
      return refuseAfterBody(req, limits, new HttpFailure(501, 'Aggregation endpoint not supported'))
    }
    if (route.startsWith('__pyramid')) return refuseAfterBody(req, limits, new HttpFailure(501, 'Pyramid endpoints not supported'))
    const path = translateRequestPath(url)
    if (/(?:^|&)MirrorSource=/.test(path.query)) {
      return refuseAfterBody(req, limits, new HttpFailure(403, 'MirrorSource is not supported'))
    }
    return putWriteOnce(this.#put, req, path.segments, path.trailingSlash, limits, previous)
  }
}

function hasBody (req: Http1Request): boolean {
  const cl = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (cl !== undefined && cl !== '0')
}
