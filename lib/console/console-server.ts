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
import { ServerError } from '../errors.js'
import { AccessGuard, generateToken, isLoopbackHost } from './access-guard.js'
import { ConsoleApi } from './console-api.js'
import { ConsoleAssets, CONSOLE_CSP, defaultAssetsDir } from './console-assets.js'
import { resolveConsoleOptions, type ConsoleOptions } from './console-options.js'
import { DAV_ALLOW, DavHandler } from './dav-handler.js'
import { MULTISTATUS_HEAD, MULTISTATUS_TAIL } from './dav-props.js'
import { FrameDecoder } from './frame-decoder.js'
import { sendError, sendText } from './http-responses.js'
import { NodeMonitor } from './node-monitor.js'
import { SeriesCatalog } from './series-catalog.js'

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

const ROOT_PROPFIND = MULTISTATUS_HEAD +
  '<D:response><D:href>/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype><D:displayname>pyme-cluster</D:displayname>' +
  '<D:supportedlock/><D:lockdiscovery/></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>'
const ROOT_CHILD = '<D:response><D:href>/dav/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype><D:displayname>dav</D:displayname>' +
  '<D:supportedlock/><D:lockdiscovery/></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>'

export type { ConsoleOptions }

/** Starts the console on a connected cluster client (options checked once: InvalidArgumentError). */
export async function startConsole (options: ConsoleOptions): Promise<ConsoleServer> {
  const o = resolveConsoleOptions(options)
  const { cluster, host, port } = o
  const token = o.token ?? (isLoopbackHost(host) ? null : generateToken())
  const guard = new AccessGuard(token)
  const v = version()

  const decoder = new FrameDecoder({ threads: o.decodeThreads, maxInFlight: o.maxDecodes, cacheBytes: o.frameCacheBytes })
  const catalog = new SeriesCatalog(cluster, { software: `pyme-cluster ${v}`, maxSeries: o.maxSeries, refreshMs: o.refreshMs, settleMs: o.settleMs })
  const monitor = new NodeMonitor(cluster, { intervalMs: o.statusIntervalMs })
  const assets = await ConsoleAssets.load(o.assetsDir ?? defaultAssetsDir())
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
