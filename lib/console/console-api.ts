/**
 * `/api/`: the JSON the browser console reads (GET only).
 *
 * ```
 *  /api/cluster                  name, version, where the DAV view is
 *  /api/nodes[?fresh=1]          data servers: status, free space, load, write rate (fresh: poll now)
 *  /api/list?path=P              the union listing of directory P (series marked)
 *  /api/series?path=S            a series: state, frame count and gaps, geometry, metadata, events
 *  /api/frame?path=S&i=N         frame N's PZF file as stored (the browser decodes it)
 * ```
 *
 * Names are returned as JSON strings and rendered by the page as text, never as markup.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Cluster } from '../cluster/cluster.js'
import { InvalidArgumentError } from '../errors.js'
import { parseReadPath } from '../internal/cluster-path.js'
import { MAX_FRAME_INDEX } from '../internal/series-layout.js'
import { formatPythonJson } from '../internal/python-json.js'
import type { MetaDataHandler } from '../series/metadata-handler.js'
import type { ClusterInfo, Listing, NodesInfo, SeriesInfo } from './api-types.js'
import { DAV_BASE } from './dav-handler.js'
import { davHref } from './dav-xml.js'
import { sendError, sendText } from './http-responses.js'
import type { NodeMonitor } from './node-monitor.js'
import type { SeriesCatalog } from './series-catalog.js'

/** What the API needs from the gateway. */
export interface ApiContext {
  readonly cluster: Cluster
  readonly catalog: SeriesCatalog
  readonly monitor: NodeMonitor
  readonly version: string
}

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } as const

function sendJson (res: ServerResponse, value: ClusterInfo | NodesInfo | Listing | SeriesInfo): void {
  const body = Buffer.from(JSON.stringify(value))
  res.writeHead(200, { ...JSON_HEADERS, 'Content-Length': String(body.length) })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}

function pathParam (q: URLSearchParams): string {
  const raw = q.get('path') ?? ''
  return parseReadPath(raw).path
}

function metadataRows (mdh: MetaDataHandler | undefined): Array<readonly [string, string]> | null {
  if (mdh === undefined) return null
  return mdh.entries().map(([k, v]) => [k, formatPythonJson(v)])
}

export class ConsoleApi {
  readonly #ctx: ApiContext

  constructor (ctx: ApiContext) {
    this.#ctx = ctx
  }

  /** Answers one request whose path starts with `/api/`. */
  async handle (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'the console API is read-only', { Allow: 'GET, HEAD' })
      return
    }
    try {
      switch (url.pathname) {
        case '/api/cluster': return this.#cluster(res)
        case '/api/nodes': return await this.#nodes(res, url.searchParams)
        case '/api/list': return await this.#list(res, url.searchParams)
        case '/api/series': return await this.#series(res, url.searchParams)
        case '/api/frame': return await this.#frame(res, url.searchParams)
        default: sendText(res, 404, `no API at ${url.pathname}`)
      }
    } catch (err) {
      sendError(res, err)
    }
  }

  #cluster (res: ServerResponse): void {
    const c = this.#ctx.cluster
    const info: ClusterInfo = { cluster: c.cluster, servers: c.servers().length, version: this.#ctx.version, dav: DAV_BASE, readOnly: true }
    sendJson(res, info)
  }

  async #nodes (res: ServerResponse, q: URLSearchParams): Promise<void> {
    const nodes = q.get('fresh') === '1' ? await this.#ctx.monitor.refresh() : await this.#ctx.monitor.nodes()
    sendJson(res, { polledAt: this.#ctx.monitor.polledAt, nodes })
  }

  async #list (res: ServerResponse, q: URLSearchParams): Promise<void> {
    const path = pathParam(q)
    const listing = await this.#ctx.cluster.listDirectory(path)
    if (!listing.exists) throw new InvalidArgumentError(`'${path}' is not a directory of the cluster`)
    sendJson(res, {
      path: listing.path,
      entries: listing.entries.map((e) => ({
        name: e.name,
        path: e.path,
        directory: e.isDirectory,
        series: e.isDirectory && e.isSeries,
        complete: e.isComplete,
        size: e.size,
        dav: davHref(DAV_BASE, e.path, e.isDirectory)
      })),
      unreachable: listing.unreachable.map((f) => ({ url: f.server.url, code: f.error.code, message: f.error.message }))
    })
  }

  async #series (res: ServerResponse, q: URLSearchParams): Promise<void> {
    const path = pathParam(q)
    const snap = await this.#ctx.catalog.snapshot(path, { fresh: q.get('fresh') === '1' })
    const reader = snap.reader
    sendJson(res, {
      path,
      url: reader.url,
      complete: snap.complete,
      frameCount: snap.frameCount,
      contiguousFrames: snap.contiguousFrames,
      missingCount: snap.missingCount,
      missingFrames: reader.missingFrames,
      geometry: snap.geometry,
      tiff: snap.tiff === null
        ? null
        : { href: davHref(DAV_BASE, `${path}.tif`, false), size: snap.tiff.layout.size, frames: snap.tiff.frames, bigTiff: snap.tiff.layout.bigTiff },
      dav: davHref(DAV_BASE, path, true),
      metadata: metadataRows(reader.metadata),
      finalMetadata: metadataRows(reader.finalMetadata),
      events: snap.complete ? await reader.events() : [],
      takenAt: snap.takenAt
    })
  }

  async #frame (res: ServerResponse, q: URLSearchParams): Promise<void> {
    const path = pathParam(q)
    const i = Number(q.get('i'))
    if (!/^\d{1,10}$/.test(q.get('i') ?? '') || i > MAX_FRAME_INDEX) throw new InvalidArgumentError('invalid i: expected a frame index')
    const snap = await this.#ctx.catalog.snapshot(path)
    const bytes = await snap.reader.getFrameBytes(i)
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(bytes.byteLength),
      // Frames are write-once: the same name is the same bytes for ever.
      'Cache-Control': 'private, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff'
    })
    res.end(res.req.method === 'HEAD' ? undefined : bytes)
  }
}
