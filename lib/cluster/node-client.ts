/**
 * HTTP to one data server: an undici `Pool` with keep-alive, and the few requests the cluster
 * client makes (PROTOCOL.md §3.4–§3.6, §3.9). Failures become typed errors:
 *
 *   refused, reset, unreachable, connect timeout ─▶ NodeUnreachableError
 *   no answer / stalled body within timeoutMs     ─▶ OperationTimeoutError
 *   404 on a file                                 ─▶ NotFoundError
 *   405 on a PUT (name exists)                    ─▶ AlreadyExistsError
 *   any other status, malformed JSON              ─▶ HttpStatusError
 *
 * A body shorter than its Content-Length is an error, never a short file.
 */
import type { Readable } from 'node:stream'
import { Pool, type Dispatcher } from 'undici'
import {
  AlreadyExistsError, ClosedError, DestroyedError, HttpStatusError, NodeUnreachableError, NotFoundError, OperationTimeoutError, PymeError
} from '../errors.js'
import { encodeClusterPath } from '../internal/cluster-path.js'
import { parseNodeListing, type NodeListing } from './node-listing.js'

/** Per-request limits. */
export interface NodeRequestOptions {
  /** Longest wait for the response head, and for each piece of the body. */
  readonly timeoutMs: number
  readonly signal?: AbortSignal
}

export interface NodeClientOptions {
  readonly connections: number
  readonly connectTimeoutMs: number
}

/** A file opened for streaming: its length and its bytes. */
export interface NodeFileStream {
  readonly size: number | undefined
  readonly body: Readable
}

/** Error codes of a connection that was never made (so nothing was sent). */
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN'])
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

function codeOf (err: unknown): string {
  let e = err as { code?: unknown, cause?: unknown } | undefined
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (typeof e.code === 'string' && !e.code.startsWith('PYME_ERR_')) return e.code
    e = e.cause as typeof e
  }
  return ''
}

/** True when `err` says the connection was never established, so the request was not sent. */
export function isConnectFailure (err: unknown): boolean {
  return CONNECT_FAILURES.has(codeOf(err))
}

function pathOf (path: string, directory: boolean): string {
  const p = `/${encodeClusterPath(path)}`
  return directory && !p.endsWith('/') ? `${p}/` : p
}

export class NodeClient {
  readonly url: string
  readonly #pool: Pool
  #closed = false

  constructor (url: string, options: NodeClientOptions) {
    this.url = url
    this.#pool = new Pool(url.replace(/\/$/, ''), {
      connections: options.connections,
      connectTimeout: options.connectTimeoutMs,
      // Our server and PYME's keep idle connections open; 30 s saves reconnects between calls.
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000
    })
  }

  /** Lists a directory; `null` when this server has no such directory (404). */
  async list (dir: string, options: NodeRequestOptions & { readonly maxBytes: number }): Promise<{ listing: NodeListing | null, dropped: number }> {
    const url = this.url + pathOf(dir, true).slice(1)
    const text = await this.#text('list', pathOf(dir, true), options, options.maxBytes)
    if (text === null) return { listing: null, dropped: 0 }
    const parsed = parseNodeListing(text)
    if (parsed.error !== undefined) throw new HttpStatusError(`${url}: ${parsed.error}`, 200, url)
    return { listing: parsed.listing, dropped: parsed.dropped }
  }

  /** Reads a whole file into one Buffer (one copy per byte when the length is known). */
  async read (path: string, options: NodeRequestOptions): Promise<Buffer> {
    const { size, body } = await this.open(path, options)
    const url = this.url + encodeClusterPath(path)
    try {
      if (size === undefined) {
        const chunks: Buffer[] = []
        for await (const chunk of body) chunks.push(chunk as Buffer)
        return Buffer.concat(chunks)
      }
      const out = Buffer.allocUnsafe(size)
      let at = 0
      for await (const chunk of body) {
        const c = chunk as Buffer
        if (at + c.length > size) throw new HttpStatusError(`${url}: body longer than its Content-Length ${size}`, 200, url)
        c.copy(out, at)
        at += c.length
      }
      if (at !== size) throw new HttpStatusError(`${url}: body of ${at} bytes, Content-Length said ${size}`, 200, url)
      return out
    } catch (err) {
      body.destroy()
      throw this.#map(err, 'read', url, options.timeoutMs, options.signal)
    }
  }

  /** Opens a file for streaming. The caller must consume or destroy `body`. */
  async open (path: string, options: NodeRequestOptions): Promise<NodeFileStream> {
    const url = this.url + encodeClusterPath(path)
    const res = await this.#request('read', url, { method: 'GET', path: pathOf(path, false) }, options)
    if (res.statusCode !== 200) {
      await res.body.dump()
      if (res.statusCode === 404) throw new NotFoundError(`${url} not found`)
      throw new HttpStatusError(`${url} answered ${res.statusCode}`, res.statusCode, url)
    }
    const len = res.headers['content-length']
    const size = typeof len === 'string' && /^\d+$/.test(len) ? Number(len) : undefined
    return { size, body: res.body }
  }

  /** Writes a new file. `AlreadyExistsError` on 405 (the name exists on this server). */
  async write (path: string, body: Uint8Array | Readable, size: number, options: NodeRequestOptions): Promise<void> {
    const url = this.url + encodeClusterPath(path)
    const res = await this.#request('write', url, {
      method: 'PUT',
      path: pathOf(path, false),
      headers: { 'content-length': String(size) },
      body
    }, options)
    await res.body.dump()
    if (res.statusCode === 200) return
    if (res.statusCode === 405) throw new AlreadyExistsError(`${path} already exists on ${this.url}`)
    throw new HttpStatusError(`PUT ${url} answered ${res.statusCode}`, res.statusCode, url)
  }

  /** `GET /__status` as a JSON object. */
  async status (options: NodeRequestOptions): Promise<Record<string, unknown>> {
    const url = `${this.url}__status`
    const text = await this.#text('status', '/__status', options, 1 << 20)
    let doc: unknown
    try {
      doc = JSON.parse(text ?? '')
    } catch {
      doc = undefined
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new HttpStatusError(`${url}: status is not a JSON object`, 200, url)
    return doc as Record<string, unknown>
  }

  /** `GET /__glob?pattern=...`: the server's matches (cluster-relative paths). */
  async glob (pattern: string, options: NodeRequestOptions): Promise<string[]> {
    const path = `/__glob?pattern=${encodeURIComponent(pattern)}`
    const url = this.url + path.slice(1)
    const text = await this.#text('glob', path, options, 64 << 20)
    let doc: unknown
    try {
      doc = JSON.parse(text ?? '')
    } catch {
      doc = undefined
    }
    if (!Array.isArray(doc) || doc.some((x) => typeof x !== 'string')) throw new HttpStatusError(`${url}: glob result is not a JSON array of strings`, 200, url)
    return doc as string[]
  }

  /** Lets in-flight requests finish, then closes the connections. Idempotent. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#pool.close()
  }

  /** Aborts in-flight requests and closes the connections. Idempotent. */
  async destroy (): Promise<void> {
    this.#closed = true
    if (!this.#pool.destroyed) await this.#pool.destroy()
  }

  /** A text body (limited), or null for 404; other statuses are HttpStatusError. */
  async #text (what: string, path: string, options: NodeRequestOptions, maxBytes: number): Promise<string | null> {
    const url = this.url + path.slice(1)
    const res = await this.#request(what, url, { method: 'GET', path }, options)
    if (res.statusCode === 404) {
      await res.body.dump()
      return null
    }
    if (res.statusCode !== 200) {
      await res.body.dump()
      throw new HttpStatusError(`${url} answered ${res.statusCode}`, res.statusCode, url)
    }
    const chunks: Buffer[] = []
    let total = 0
    try {
      for await (const chunk of res.body) {
        total += (chunk as Buffer).length
        if (total > maxBytes) throw new HttpStatusError(`${url}: response larger than ${maxBytes} bytes`, 200, url)
        chunks.push(chunk as Buffer)
      }
    } catch (err) {
      res.body.destroy()
      throw this.#map(err, what, url, options.timeoutMs, options.signal)
    }
    return Buffer.concat(chunks, total).toString('utf8')
  }

  async #request (what: string, url: string, opts: Dispatcher.RequestOptions, options: NodeRequestOptions): Promise<Dispatcher.ResponseData> {
    if (this.#closed) throw new ClosedError(`client of ${this.url} is closed`)
    try {
      return await this.#pool.request({
        ...opts,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        ...(options.signal === undefined ? {} : { signal: options.signal })
      })
    } catch (err) {
      throw this.#map(err, what, url, options.timeoutMs, options.signal)
    }
  }

  #map (err: unknown, what: string, url: string, timeoutMs: number, signal?: AbortSignal): PymeError {
    if (err instanceof PymeError) return err
    if (signal?.aborted === true) {
      const reason: unknown = signal.reason
      return reason instanceof PymeError ? reason : new DestroyedError(`${what} ${url} aborted`, { cause: reason })
    }
    const code = codeOf(err)
    if (TIMEOUTS.has(code)) return new OperationTimeoutError(`${what} ${url}: no answer within ${timeoutMs} ms`, { cause: err })
    if (code === 'UND_ERR_DESTROYED' || code === 'UND_ERR_CLOSED') return new ClosedError(`client of ${this.url} is closed`, { cause: err })
    const detail = code === '' ? (err as Error).message : code
    return new NodeUnreachableError(`${what} ${url}: ${detail}`, { cause: err })
  }
}
