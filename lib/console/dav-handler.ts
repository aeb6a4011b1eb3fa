/**
 * `/dav/`: a read-only WebDAV view (RFC 4918, class 1) of the cluster's union namespace, where
 * each series directory also has a `<series>.tif` beside it (see series-tiff.ts).
 *
 * ```
 *  OPTIONS               DAV: 1, MS-Author-Via: DAV (answered on every path, see console-server.ts)
 *  PROPFIND  Depth 0|1   multistatus, streamed; Depth infinity: 403 propfind-finite-depth
 *  GET/HEAD  files       from wherever the cluster has them; Range, If-Range, If-None-Match
 *            <s>.tif     built on demand; a Range decodes only the frames it touches
 *            folders     a plain-text list of names
 *  anything else         405 (read-only, always)
 * ```
 *
 * Paths are decoded segment by segment and then go through the cluster's own read-path rules,
 * so `..`, `.`, an encoded `/`, NUL and line breaks never name anything: no request reaches
 * outside the cluster namespace.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Cluster } from '../cluster/cluster.js'
import type { DirectoryEntry } from '../cluster/cluster-types.js'
import { InvalidNameError, NodeUnreachableError, NotFoundError } from '../errors.js'
import { parseReadPath, splitClusterPath } from '../internal/cluster-path.js'
import { LruCache } from '../internal/lru-cache.js'
import { Semaphore } from '../internal/semaphore.js'
import { davHref, DavXmlError, encodeSegment, parsePropfind, type PropfindRequest } from './dav-xml.js'
import { MULTISTATUS_HEAD, MULTISTATUS_TAIL, PropfindRenderer, type DavQuota, type DavResource } from './dav-props.js'
import type { FrameDecoder } from './frame-decoder.js'
import { decideRange } from './http-range.js'
import { sendError, sendText, writeChunk } from './http-responses.js'
import type { SeriesCatalog, SeriesSnapshot } from './series-catalog.js'
import { TiffRange } from './tiff-range.js'

/** What the DAV view needs from the gateway. */
export interface DavContext {
  readonly cluster: Cluster
  readonly catalog: SeriesCatalog
  readonly decoder: FrameDecoder
  /** Free and used bytes over the data servers, when known. */
  readonly quota: () => DavQuota | undefined
}

/** Methods the view answers (and the Allow header of every 405). */
export const DAV_ALLOW = 'OPTIONS, GET, HEAD, PROPFIND'
/** Where the view is mounted. */
export const DAV_BASE = '/dav/'

const MAX_PROPFIND_BODY = 64 * 1024
const FLUSH_BYTES = 64 * 1024
const SERIES_LOOKUPS = 8
/** GET bodies are data, never pages of this origin: no script runs even if a browser renders one. */
const BODY_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "sandbox; default-src 'none'" } as const

const TYPES: Readonly<Record<string, string>> = {
  tif: 'image/tiff',
  tiff: 'image/tiff',
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  yaml: 'application/yaml',
  png: 'image/png',
  jpg: 'image/jpeg',
  h5: 'application/x-hdf5',
  h5r: 'application/x-hdf5',
  pzf: 'application/octet-stream'
}

/** Content type by extension; never one a browser would run (HTML, SVG, JavaScript are octet-streams). */
export function davContentType (name: string): string {
  const dot = name.lastIndexOf('.')
  return (dot < 0 ? undefined : TYPES[name.slice(dot + 1).toLowerCase()]) ?? 'application/octet-stream'
}

/** A resolved request path. */
type Target =
  | { readonly kind: 'collection', readonly path: string }
  | { readonly kind: 'file', readonly path: string, readonly entry: DirectoryEntry }
  | { readonly kind: 'tiff', readonly path: string, readonly series: string, readonly snapshot: SeriesSnapshot }

/** The cluster path of a request path under `/dav` (InvalidNameError when it is not one). */
export function clusterPathOf (pathname: string): string {
  const rest = pathname.slice(DAV_BASE.length - 1)
  const parts: string[] = []
  for (const raw of rest.split('/')) {
    if (raw === '') continue
    let seg: string
    try {
      seg = decodeURIComponent(raw)
    } catch (err) {
      throw new InvalidNameError(`'${raw}' is not valid percent-encoded UTF-8`, { cause: err })
    }
    if (seg.includes('/')) throw new InvalidNameError(`a path segment holds an encoded '/': '${raw}'`)
    parts.push(seg)
  }
  const joined = parts.join('/')
  // '.', '..', empty parts, NUL and line breaks are refused here, as for any cluster read.
  return parseReadPath(joined === '' ? '' : joined).path
}

const FNV_OFFSET = 0x811c9dc5

/** FNV-1a over `s`, continuing from `h` (so a directory's prefix is hashed once for all its entries). */
function fnv1a (s: string, h = FNV_OFFSET): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/**
 * A strong tag for a write-once file: its path, size and how many servers hold it (a file
 * written again elsewhere is another entity). `dirHash` is `fnv1a(dir + '/')`.
 */
function fileEtag (e: DirectoryEntry, dirHash: number): string {
  return `"f-${e.size.toString(16)}-${e.locations.length}-${fnv1a(e.name, dirHash).toString(16)}"`
}

/** The hash `fileEtag` continues from for the entries of `dir`. */
function dirHashOf (dir: string): number {
  return fnv1a(dir === '' ? '' : `${dir}/`)
}

function etagMatches (header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  if (header.trim() === '*') return true
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
}

export class DavHandler {
  readonly #ctx: DavContext
  /** When the gateway first listed each directory: the cluster keeps no modification times. */
  readonly #seen = new LruCache<string, Date>({ maxEntries: 10_000 })
  readonly #lookups = new Semaphore(SERIES_LOOKUPS)

  constructor (ctx: DavContext) {
    this.#ctx = ctx
  }

  /** Answers one request whose path starts with `/dav`. */
  async handle (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    try {
      const method = req.method ?? 'GET'
      if (method === 'PROPFIND') return await this.#propfind(req, res, pathname)
      if (method === 'GET' || method === 'HEAD') return await this.#get(req, res, pathname, method === 'HEAD')
      sendText(res, 405, `${method} is not allowed: the cluster view is read-only`, { Allow: DAV_ALLOW })
    } catch (err) {
      if (err instanceof DavXmlError) sendText(res, 400, `bad PROPFIND body: ${err.message}`)
      else sendError(res, err)
    }
  }

  #seenAt (dir: string): Date {
    let at = this.#seen.get(dir)
    if (at === undefined) {
      at = new Date(Math.floor(Date.now() / 1000) * 1000)
      this.#seen.set(dir, at)
    }
    return at
  }

  async #resolve (path: string): Promise<Target> {
    if (path === '') return { kind: 'collection', path }
    try {
      const entry = await this.#ctx.cluster.stat(path)
      return entry.isDirectory ? { kind: 'collection', path } : { kind: 'file', path, entry }
    } catch (err) {
      if (!(err instanceof NotFoundError) || !path.endsWith('.tif')) throw err
      const series = path.slice(0, -4)
      const [, base] = splitClusterPath(series)
      if (base === '') throw err
      const dir = await this.#ctx.cluster.stat(series).catch(() => undefined)
      // A series open already stays a series while the server holding its metadata.json is
      // away: the frames on the other servers can still be read.
      const known = this.#ctx.catalog.peek(series) !== undefined
      if (!known && (dir === undefined || !dir.isDirectory || !dir.isSeries)) throw err
      const snapshot = await this.#ctx.catalog.snapshot(series)
      if (snapshot.tiff === null) throw new NotFoundError(`'${path}': series '${series}' has no frame yet`, { cause: err })
      return { kind: 'tiff', path, series, snapshot }
    }
  }

  /** A file of directory `dir`; `dirHref` (the directory's href) and `dirHash` are computed once per listing. */
  #fileResource (e: DirectoryEntry, dir: string, dirHref = davHref(DAV_BASE, dir, true), dirHash = dirHashOf(dir), seen = this.#seenAt(dir)): DavResource {
    return {
      href: dirHref + encodeSegment(e.name),
      collection: false,
      displayName: e.name,
      size: e.size,
      etag: fileEtag(e, dirHash),
      contentType: davContentType(e.name),
      lastModified: seen
    }
  }

  #collectionResource (path: string, parent: string, parentHref?: string): DavResource {
    const [, base] = splitClusterPath(path)
    return {
      href: parentHref === undefined ? davHref(DAV_BASE, path, true) : `${parentHref}${encodeSegment(base)}/`,
      collection: true,
      displayName: base,
      lastModified: this.#seenAt(path === '' ? parent : path)
    }
  }

  #tiffResource (path: string, s: SeriesSnapshot): DavResource | undefined {
    const t = s.tiff
    if (t === null) return undefined
    const [, base] = splitClusterPath(path)
    return { href: davHref(DAV_BASE, path, false), collection: false, displayName: base, size: t.layout.size, etag: t.etag, contentType: 'image/tiff', lastModified: t.lastModified }
  }

  // ── PROPFIND ──────────────────────────────────────────────────────────────────────────

  async #propfind (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const depth = String(req.headers['depth'] ?? 'infinity').trim().toLowerCase()
    if (depth !== '0' && depth !== '1') {
      req.resume()
      const body = '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:"><D:propfind-finite-depth/></D:error>\n'
      res.writeHead(403, { 'Content-Type': 'text/xml; charset="utf-8"', 'Content-Length': Buffer.byteLength(body) })
      res.end(body)
      return
    }
    const text = await readBody(req, MAX_PROPFIND_BODY)
    if (text === null) {
      sendText(res, 413, `PROPFIND body larger than ${MAX_PROPFIND_BODY} bytes`)
      return
    }
    const request: PropfindRequest = parsePropfind(text)
    const path = clusterPathOf(pathname)
    const target = await this.#resolve(path)
    const renderer = new PropfindRenderer(request, this.#ctx.quota())
    const [parent] = splitClusterPath(path)
    if (target.kind === 'file') {
      await sendMultistatus(res, [renderer.response(this.#fileResource(target.entry, parent))])
      return
    }
    if (target.kind === 'tiff') {
      await sendMultistatus(res, [renderer.response(this.#tiffResource(target.path, target.snapshot) as DavResource)])
      return
    }
    const self = renderer.response(this.#collectionResource(path, parent))
    if (depth === '0') {
      await sendMultistatus(res, [self])
      return
    }
    const listing = await this.#ctx.cluster.listDirectory(path)
    const names = new Set(listing.entries.map((e) => e.name))
    // The TIFFs of the series in this directory (a real file of that name wins).
    const series = listing.entries.filter((e) => e.isDirectory && e.isSeries && !names.has(`${e.name}.tif`))
    const tiffs = new Map<string, DavResource>()
    await Promise.all(series.map(async (e) => {
      const release = await this.#lookups.acquire()
      try {
        const snap = await this.#ctx.catalog.snapshot(e.path)
        const r = this.#tiffResource(`${e.path}.tif`, snap)
        if (r !== undefined) tiffs.set(e.name, r)
      } catch {
        // A series that cannot be read now (a server down, no metadata yet): listed without its TIFF.
      } finally {
        release()
      }
    }))
    res.writeHead(207, { 'Content-Type': 'text/xml; charset="utf-8"' })
    const dirHref = davHref(DAV_BASE, path, true)
    const dirHash = dirHashOf(path)
    const seen = this.#seenAt(path)
    let buf = MULTISTATUS_HEAD + self
    for (const e of listing.entries) {
      buf += renderer.response(e.isDirectory ? this.#collectionResource(e.path, path, dirHref) : this.#fileResource(e, path, dirHref, dirHash, seen))
      const tiff = e.isDirectory ? tiffs.get(e.name) : undefined
      if (tiff !== undefined) buf += renderer.response(tiff)
      if (buf.length >= FLUSH_BYTES) {
        await writeChunk(res, buf)
        buf = ''
      }
    }
    res.end(buf + MULTISTATUS_TAIL)
  }

  // ── GET / HEAD ────────────────────────────────────────────────────────────────────────

  async #get (req: IncomingMessage, res: ServerResponse, pathname: string, head: boolean): Promise<void> {
    const path = clusterPathOf(pathname)
    const target = await this.#resolve(path)
    if (target.kind === 'collection') {
      const listing = await this.#ctx.cluster.listDirectory(path)
      const lines = listing.entries.map((e) => e.isDirectory ? `${e.name}/` : e.name)
      sendText(res, 200, lines.join('\n'), BODY_HEADERS)
      return
    }
    if (target.kind === 'tiff') return await this.#getTiff(req, res, target.series, target.snapshot, head)
    await this.#getFile(req, res, target.entry, head)
  }

  async #getFile (req: IncomingMessage, res: ServerResponse, entry: DirectoryEntry, head: boolean): Promise<void> {
    const [dir] = splitClusterPath(entry.path)
    const etag = fileEtag(entry, dirHashOf(dir))
    const common = { ...BODY_HEADERS, ETag: etag, 'Last-Modified': this.#seenAt(dir).toUTCString(), 'Accept-Ranges': 'bytes', 'Content-Type': davContentType(entry.name) }
    if (etagMatches(req.headers['if-none-match'], etag)) {
      res.writeHead(304, { ETag: etag })
      res.end()
      return
    }
    if (req.headers['if-match'] !== undefined && !etagMatches(req.headers['if-match'], etag)) {
      sendText(res, 412, 'the file does not match If-Match')
      return
    }
    const file = await this.#ctx.cluster.openFile(entry.path)
    const stream = file.stream
    try {
      const size = file.size ?? entry.size
      let decision = decideRange(req.headers['range'], size)
      const ifRange = req.headers['if-range']
      if (ifRange !== undefined && ifRange !== etag) decision = { kind: 'full' }
      if (decision.kind === 'unsatisfiable') {
        sendText(res, 416, 'range not satisfiable', { 'Content-Range': `bytes */${size}` })
        return
      }
      const [start, end] = decision.kind === 'partial' ? [decision.start, decision.end] : [0, size]
      res.writeHead(decision.kind === 'partial' ? 206 : 200, {
        ...common,
        'Content-Length': String(end - start),
        ...(decision.kind === 'partial' ? { 'Content-Range': `bytes ${start}-${end - 1}/${size}` } : {})
      })
      if (head || start === end) {
        res.end()
        return
      }
      // The cluster streams a file from its start: bytes before the range are read and dropped.
      let pos = 0
      for await (const chunk of stream) {
        const c = chunk as Buffer
        const from = Math.max(start - pos, 0)
        const to = Math.min(end - pos, c.length)
        pos += c.length
        if (to > from) await writeChunk(res, c.subarray(from, to))
        if (pos >= end) break
      }
      if (pos < end) throw new NodeUnreachableError(`'${entry.path}' ended after ${pos} of ${size} bytes`)
      res.end()
    } catch (err) {
      if (res.headersSent) res.destroy()
      else throw err
    } finally {
      stream.destroy()
    }
  }

  async #getTiff (req: IncomingMessage, res: ServerResponse, series: string, snap: SeriesSnapshot, head: boolean): Promise<void> {
    const tiff = snap.tiff
    /* c8 ignore next -- resolve() only returns a 'tiff' target with a TIFF */
    if (tiff === null) throw new NotFoundError(`series '${series}' has no frame yet`)
    const size = tiff.layout.size
    const headers = {
      ...BODY_HEADERS,
      ETag: tiff.etag,
      'Last-Modified': tiff.lastModified.toUTCString(),
      'Accept-Ranges': 'bytes',
      'Content-Type': 'image/tiff',
      'Cache-Control': 'no-cache'
    }
    if (etagMatches(req.headers['if-none-match'], tiff.etag)) {
      res.writeHead(304, { ETag: tiff.etag, 'Last-Modified': headers['Last-Modified'] })
      res.end()
      return
    }
    if (req.headers['if-match'] !== undefined && !etagMatches(req.headers['if-match'], tiff.etag)) {
      sendText(res, 412, 'the TIFF has changed (the series grew): it does not match If-Match')
      return
    }
    let decision = decideRange(req.headers['range'], size)
    const ifRange = req.headers['if-range']
    if (ifRange !== undefined && ifRange !== tiff.etag && ifRange !== headers['Last-Modified']) decision = { kind: 'full' }
    if (decision.kind === 'unsatisfiable') {
      sendText(res, 416, 'range not satisfiable', { 'Content-Range': `bytes */${size}` })
      return
    }
    const [start, end] = decision.kind === 'partial' ? [decision.start, decision.end] : [0, size]
    const status = decision.kind === 'partial' ? 206 : 200
    const lengthHeaders = {
      'Content-Length': String(end - start),
      ...(decision.kind === 'partial' ? { 'Content-Range': `bytes ${start}-${end - 1}/${size}` } : {})
    }
    if (head) {
      res.writeHead(status, { ...headers, ...lengthHeaders })
      res.end()
      return
    }
    const decoder = this.#ctx.decoder
    const reader = snap.reader
    const range = new TiffRange(tiff, start, end, async (i) => {
      try {
        return await decoder.frame(`${series}\u0000${i}`, async () => await reader.getFrameBytes(i), tiff.geometry)
      } catch (err) {
        // A frame missing from a complete series is a page of zeros (the description counts them);
        // one that was listed and cannot be found now is on a server that is away: an error.
        if (err instanceof NotFoundError && snap.complete && !reader.hasFrame(i)) return null
        if (err instanceof NotFoundError) {
          throw new NodeUnreachableError(`frame ${i} of '${series}' was listed, and no data server that answers has it now`, { cause: err })
        }
        throw err
      }
    }, decoder.maxInFlight)
    // The first frame is read before anything is sent: a server that is gone is a clean 502/504.
    await range.first()
    res.writeHead(status, { ...headers, ...lengthHeaders })
    try {
      await range.pipeTo(async (chunk) => { await writeChunk(res, chunk) })
      res.end()
    } catch {
      // Headers are out: the only honest signal left is a cut connection (short body).
      res.destroy()
    }
  }
}

async function sendMultistatus (res: ServerResponse, responses: readonly string[]): Promise<void> {
  const body = Buffer.from(MULTISTATUS_HEAD + responses.join('') + MULTISTATUS_TAIL)
  res.writeHead(207, { 'Content-Type': 'text/xml; charset="utf-8"', 'Content-Length': String(body.length) })
  res.end(body)
}

/** The request body as text, or null when it is longer than `limit` bytes. */
async function readBody (req: IncomingMessage, limit: number): Promise<string | null> {
  const declared = Number(req.headers['content-length'] ?? '0')
  if (declared > limit) {
    req.resume()
    return null
  }
  const chunks: Buffer[] = []
  let length = 0
  for await (const chunk of req) {
    length += (chunk as Buffer).length
    if (length > limit) {
      req.resume()
      return null
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks, length).toString('utf8')
}
