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
 *
 * Timeouts are our own timers, not undici's `headersTimeout`/`bodyTimeout`: those run on a
 * coarse clock (about one second), and PYME's are as short as 0.5 s. A request gets one
 * AbortController; a timer aborts it with TIMED_OUT if the head does not come in time, and
 * while a body is read for the caller the same timer is re-armed for every chunk. Uploads
 * keep undici's timeout, which undici re-arms as the body is written.
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
const TIMED_OUT = Symbol('timed out')

/** One request in flight: its response, and the timer and abort that guard it. */
interface Exchange {
  readonly res: Dispatcher.ResponseData
  readonly ac: AbortController
  /** Re-arms the timeout (call per body chunk). */
  refresh (): void
  /** Stops the timer and detaches from the caller's signal; idempotent. */
  done (): void
}

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
    const url = this.url + encodeClusterPath(path)
    const ex = await this.#request('read', url, { method: 'GET', path: pathOf(path, false) }, options, true)
    const { res } = ex
    try {
      await this.#expectFile(res, url)
      const size = contentLength(res)
      if (size === undefined) {
        const chunks: Buffer[] = []
        for await (const chunk of res.body) {
          ex.refresh()
          chunks.push(chunk as Buffer)
        }
        return Buffer.concat(chunks)
      }
      const out = Buffer.allocUnsafe(size)
      let at = 0
      for await (const chunk of res.body) {
        ex.refresh()
        const c = chunk as Buffer
        if (at + c.length > size) throw new HttpStatusError(`${url}: body longer than its Content-Length ${size}`, 200, url)
        c.copy(out, at)
        at += c.length
      }
      if (at !== size) throw new HttpStatusError(`${url}: body of ${at} bytes, Content-Length said ${size}`, 200, url)
      return out
    } catch (err) {
      discard(res)
      throw this.#map(err, 'read', url, options.timeoutMs, ex.ac.signal)
    } finally {
      ex.done()
    }
  }

  /**
   * Opens a file for streaming. The caller must consume or destroy `body`; a stall while it
   * reads is bounded by undici's body timeout (coarse, about a second over `timeoutMs`).
   */
  async open (path: string, options: NodeRequestOptions): Promise<NodeFileStream> {
    const url = this.url + encodeClusterPath(path)
    const ex = await this.#request('read', url, { method: 'GET', path: pathOf(path, false) }, options, true)
    try {
      await this.#expectFile(ex.res, url)
    } catch (err) {
      ex.done()
      throw err
    }
    // The head arrived: from here the caller paces the body.
    ex.done()
    return { size: contentLength(ex.res), body: ex.res.body }
  }

  /** Writes a new file. `AlreadyExistsError` on 405 (the name exists on this server). */
  async write (path: string, body: Uint8Array | Readable, size: number, options: NodeRequestOptions): Promise<void> {
    const url = this.url + encodeClusterPath(path)
    const ex = await this.#request('write', url, {
      method: 'PUT',
      path: pathOf(path, false),
      headers: { 'content-length': String(size) },
      body
    }, options, false)
    ex.done()
    await drain(ex.res)
    if (ex.res.statusCode === 200) return
    if (ex.res.statusCode === 405) throw new AlreadyExistsError(`${path} already exists on ${this.url}`)
    throw new HttpStatusError(`PUT ${url} answered ${ex.res.statusCode}`, ex.res.statusCode, url)
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

  async #expectFile (res: Dispatcher.ResponseData, url: string): Promise<void> {
    if (res.statusCode === 200) return
    await drain(res)
    if (res.statusCode === 404) throw new NotFoundError(`${url} not found`)
    throw new HttpStatusError(`${url} answered ${res.statusCode}`, res.statusCode, url)
  }

  /** A text body (limited), or null for 404; other statuses are HttpStatusError. */
  async #text (what: string, path: string, options: NodeRequestOptions, maxBytes: number): Promise<string | null> {
    const url = this.url + path.slice(1)
    const ex = await this.#request(what, url, { method: 'GET', path }, options, true)
    const { res } = ex
    try {
      if (res.statusCode === 404) {
        await drain(res)
        return null
      }
      if (res.statusCode !== 200) {
        await drain(res)
        throw new HttpStatusError(`${url} answered ${res.statusCode}`, res.statusCode, url)
      }
      const chunks: Buffer[] = []
      let total = 0
      for await (const chunk of res.body) {
        ex.refresh()
        total += (chunk as Buffer).length
        if (total > maxBytes) throw new HttpStatusError(`${url}: response larger than ${maxBytes} bytes`, 200, url)
        chunks.push(chunk as Buffer)
      }
      return Buffer.concat(chunks, total).toString('utf8')
    } catch (err) {
      discard(res)
      throw this.#map(err, what, url, options.timeoutMs, ex.ac.signal)
    } finally {
      ex.done()
    }
  }

  /**
   * Sends a request. With `precise`, our timer bounds the wait for the head (and, through
   * `refresh`, each body chunk); otherwise undici's timeouts do (uploads).
   */
  async #request (what: string, url: string, opts: Dispatcher.RequestOptions, options: NodeRequestOptions, precise: boolean): Promise<Exchange> {
    if (this.#closed) throw new ClosedError(`client of ${this.url} is closed`)
    const ac = new AbortController()
    const user = options.signal
    const onAbort = (): void => { ac.abort(user?.reason) }
    if (user?.aborted === true) ac.abort(user.reason)
    else user?.addEventListener('abort', onAbort, { once: true })
    const timer = precise ? setTimeout(() => { ac.abort(TIMED_OUT) }, options.timeoutMs) : undefined
    let finished = false
    const done = (): void => {
      if (finished) return
      finished = true
      if (timer !== undefined) clearTimeout(timer)
      user?.removeEventListener('abort', onAbort)
    }
    try {
      const res = await this.#pool.request({
        ...opts,
        signal: ac.signal,
        // With our own timer these are only a backstop.
        headersTimeout: precise ? options.timeoutMs + 5000 : options.timeoutMs,
        bodyTimeout: options.timeoutMs
      })
      return { res, ac, refresh: () => { timer?.refresh() }, done }
    } catch (err) {
      done()
      throw this.#map(err, what, url, options.timeoutMs, ac.signal)
    }
  }

  #map (err: unknown, what: string, url: string, timeoutMs: number, signal: AbortSignal): PymeError {
    if (signal.aborted) {
      const reason: unknown = signal.reason
      if (reason === TIMED_OUT) return new OperationTimeoutError(`${what} ${url}: no answer within ${timeoutMs} ms`, { cause: err })
      if (reason instanceof PymeError) return reason
      return new DestroyedError(`${what} ${url} aborted`, { cause: reason })
    }
    if (err instanceof PymeError) return err
    const code = codeOf(err)
    if (TIMEOUTS.has(code)) return new OperationTimeoutError(`${what} ${url}: no answer within ${timeoutMs} ms`, { cause: err })
    if (code === 'UND_ERR_DESTROYED' || code === 'UND_ERR_CLOSED') return new ClosedError(`client of ${this.url} is closed`, { cause: err })
    const detail = code === '' ? (err as Error).message : code
    return new NodeUnreachableError(`${what} ${url}: ${detail}`, { cause: err })
  }
}

/** Reads and drops a (small) body so the connection can be reused; errors do not matter here. */
async function drain (res: Dispatcher.ResponseData): Promise<void> {
  await res.body.dump().catch(() => {})
}

/** Destroys a body we stopped reading; undici would emit an 'error' nobody listens to. */
function discard (res: Dispatcher.ResponseData): void {
  res.body.on('error', () => {})
  res.body.destroy()
}

function contentLength (res: Dispatcher.ResponseData): number | undefined {
  const len = res.headers['content-length']
  return typeof len === 'string' && /^\d+$/.test(len) ? Number(len) : undefined
}
