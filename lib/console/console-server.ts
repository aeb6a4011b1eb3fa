/**
 * `startConsole`: the gateway process behind `pyme-cluster console`. One `node:http` server on
 * top of a connected `Cluster` (the caller's), serving
 *
 * ```
 *  /dav/...     read-only WebDAV view of the union, with <series>.tif  (dav-handler.ts)
 *  /api/...     JSON for the page                                      (console-api.ts)
 *  /, /assets/  the browser console                                    (console-assets.ts)
 *  OPTIONS *    DAV headers on every path: Windows and Office probe the server's root
 *  PROPFIND /   the root as a collection holding dav/ (Windows' WebClient walks from /)
 * ```
 *
 * Every request passes the `AccessGuard` first. Paths are taken from the raw request target
 * (no URL normalisation: `..` is refused by the DAV path rules, not resolved).
 */
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Cluster } from '../cluster/cluster.js'
import { InvalidArgumentError, ServerError } from '../errors.js'
import { AccessGuard, generateToken, isLoopbackHost } from './access-guard.js'
import { ConsoleApi } from './console-api.js'
import { ConsoleAssets, CONSOLE_CSP, defaultAssetsDir } from './console-assets.js'
import { DAV_ALLOW, DavHandler } from './dav-handler.js'
import { MULTISTATUS_HEAD, MULTISTATUS_TAIL } from './dav-props.js'
import { FrameDecoder } from './frame-decoder.js'
import { sendError, sendText } from './http-responses.js'
import { NodeMonitor } from './node-monitor.js'
import { SeriesCatalog } from './series-catalog.js'

/** Options of `startConsole`. */
export interface ConsoleOptions {
  /** A connected cluster client; the console uses it and leaves it open. */
  readonly cluster: Cluster
  /** Address to bind. Anything but loopback needs a token. @default '127.0.0.1' */
  readonly host?: string
  /** TCP port, 0 for any free one. @default 8080 */
  readonly port?: number
  /**
   * The access token (bearer token or basic-auth password). `undefined`: none on loopback, a
   * generated one on any other address (read it from `ConsoleServer.token`).
   */
  readonly token?: string
  /** Decode worker threads for TIFF pages. @default min(8, os.availableParallelism()) */
  readonly decodeThreads?: number
  /** Frames read or decoded at once, across every client. @default decodeThreads * 2 */
  readonly maxDecodes?: number
  /** Bytes of decoded frames kept. @default 268435456 */
  readonly frameCacheBytes?: number
  /** Series kept open. @default 256 */
  readonly maxSeries?: number
  /** How often a series still being written is looked at again, ms. @default 1000 */
  readonly refreshMs?: number
  /** How long the union listing may lag (SeriesReader's `settleMs`). @default 1000 */
  readonly settleMs?: number
  /** Time between status polls of the data servers, ms. @default 2000 */
  readonly statusIntervalMs?: number
  /** Directory of the built page. @default dist/console-ui */
  readonly assetsDir?: string
}

/** A running console. */
export interface ConsoleServer {
  /** `http://host:port/` (the bound address). */
  readonly url: string
  readonly host: string
  readonly port: number
  /** The token requests must carry, or null (loopback without a token). */
  readonly token: string | null
  /** True when the page's bundle was found (else `/` says how to build it). */
  readonly hasPage: boolean
  /** Stops accepting, lets running requests finish (at most `graceMs`), then closes. */
  close (graceMs?: number): Promise<void>
}

function version (): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    /* c8 ignore next -- package.json is always two levels up, in lib and in dist */
    return 'unknown'
  }
}

function int (v: number | undefined, name: string, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new InvalidArgumentError(`invalid ${name}: expected an integer ${min}..${max}`)
  return v
}

const ROOT_PROPFIND = MULTISTATUS_HEAD +
  '<D:response><D:href>/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype><D:displayname>pyme-cluster</D:displayname>' +
  '<D:supportedlock/><D:lockdiscovery/></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>'
const ROOT_CHILD = '<D:response><D:href>/dav/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype><D:displayname>dav</D:displayname>' +
  '<D:supportedlock/><D:lockdiscovery/></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>'

/** Starts the console on a connected cluster client. */
export async function startConsole (options: ConsoleOptions): Promise<ConsoleServer> {
  if (options === null || typeof options !== 'object' || options.cluster === undefined) {
    throw new InvalidArgumentError('invalid options: expected { cluster }')
  }
  const cluster = options.cluster
  const host = options.host ?? '127.0.0.1'
  if (typeof host !== 'string' || host === '') throw new InvalidArgumentError('invalid host: expected an address')
  const port = int(options.port, 'port', 8080, 0, 65535)
  const token = options.token ?? (isLoopbackHost(host) ? null : generateToken())
  const guard = new AccessGuard(token)
  const statusIntervalMs = int(options.statusIntervalMs, 'statusIntervalMs', 2000, 100, 3_600_000)
  const v = version()

  const decoder = new FrameDecoder({
    ...(options.decodeThreads === undefined ? {} : { threads: options.decodeThreads }),
    ...(options.maxDecodes === undefined ? {} : { maxInFlight: options.maxDecodes }),
    ...(options.frameCacheBytes === undefined ? {} : { cacheBytes: options.frameCacheBytes })
  })
  const catalog = new SeriesCatalog(cluster, {
    software: `pyme-cluster ${v}`,
    ...(options.maxSeries === undefined ? {} : { maxSeries: options.maxSeries }),
    ...(options.refreshMs === undefined ? {} : { refreshMs: options.refreshMs }),
    ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs })
  })
  const monitor = new NodeMonitor(cluster, { intervalMs: statusIntervalMs })
  const assets = await ConsoleAssets.load(options.assetsDir ?? defaultAssetsDir())
  const dav = new DavHandler({ cluster, catalog, decoder, quota: () => monitor.quota() })
  const api = new ConsoleApi({ cluster, catalog, monitor, version: v })

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const refused = guard.check(req)
    if (refused !== undefined) {
      req.resume()
      sendText(res, refused.status, refused.reason, refused.headers)
      return
    }
    const target = req.url ?? '/'
    const q = target.indexOf('?')
    const pathname = q < 0 ? target : target.slice(0, q)
    const method = req.method ?? 'GET'
    if (method === 'OPTIONS') {
      res.writeHead(200, { DAV: '1', 'MS-Author-Via': 'DAV', Allow: DAV_ALLOW, 'Accept-Ranges': 'bytes', 'Content-Length': '0' })
      res.end()
      return
    }
    if (pathname === '/dav' || pathname.startsWith('/dav/')) {
      dav.handle(req, res, pathname).catch((err: unknown) => { sendError(res, err) })
      return
    }
    if (pathname.startsWith('/api/')) {
      api.handle(req, res, new URL(target, 'http://console.invalid')).catch((err: unknown) => { sendError(res, err) })
      return
    }
    if (method === 'PROPFIND' && pathname === '/') {
      req.resume()
      const depth = req.headers['depth'] === '0' ? '' : ROOT_CHILD
      const body = Buffer.from(ROOT_PROPFIND + depth + MULTISTATUS_TAIL)
      res.writeHead(207, { 'Content-Type': 'text/xml; charset="utf-8"', 'Content-Length': String(body.length) })
      res.end(body)
      return
    }
    if ((method === 'GET' || method === 'HEAD') && assets.serve(req, res, pathname)) return
    if (method === 'GET' || method === 'HEAD') {
      sendText(res, 404, `nothing at ${pathname}: the console is at /, the WebDAV view at /dav/`, { 'Content-Security-Policy': CONSOLE_CSP })
      return
    }
    sendText(res, 405, `${method} is not allowed: the console is read-only`, { Allow: DAV_ALLOW })
  }

  const server: Server = createServer({ requireHostHeader: false, keepAliveTimeout: 65_000 }, onRequest)
  server.keepAliveTimeout = 65_000
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    decoder.destroy()
    await catalog.close()
    throw new ServerError(`console cannot listen on ${host}:${port}: ${(err as Error).message}`, { cause: err })
  }
  monitor.start()
  const bound = server.address() as AddressInfo
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address
  let closing: Promise<void> | null = null
  return {
    url: `http://${shownHost}:${bound.port}/`,
    host: bound.address,
    port: bound.port,
    token,
    hasPage: assets.complete,
    close (graceMs = 2000): Promise<void> {
      closing ??= (async () => {
        monitor.close()
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeIdleConnections()
        const timer = setTimeout(() => { for (const s of sockets) s.destroy() }, graceMs)
        timer.unref()
        await closed
        clearTimeout(timer)
        await decoder.close()
        await catalog.close()
      })()
      return closing
    }
  }
}
