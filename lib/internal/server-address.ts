/**
 * The one way a data server is named, wherever a user names one: the CLI's `--servers` and
 * `put --server`, `PYME_CLUSTER_SERVERS`, and the `servers` options of `Cluster`, `Streamer`,
 * `ClusterBackend`, `SeriesReader` and discovery. Every form below means the same server and
 * comes out as one canonical URL, so that a server given as `10.0.0.5:15348` and reported as
 * `http://10.0.0.5:15348/` compare equal:
 *
 *   http://10.0.0.5:15348/   http://10.0.0.5:15348   10.0.0.5:15348   → http://10.0.0.5:15348/
 *   nodeA                    (PYME's default port)                     → http://nodea:15348/
 *   [fe80::1]:7   ::1        (IPv6, bracketed in URLs)                  → http://[fe80::1]:7/
 *   http://nodeA/            (a URL without a port means port 80, as every URL does)
 *
 * Host names are canonicalised by the WHATWG URL parser (lower case, IPv4 and IPv6 normal forms).
 */
import { isIP } from 'node:net'
import { InvalidArgumentError } from '../errors.js'

/** PYME's default data-server port (PROTOCOL.md §3.3), for a host given without one. */
export const DEFAULT_DATA_SERVER_PORT = 15348

/** One data server as named by a user, canonicalised. */
export interface ServerAddress {
  /** Host name or IP address (IPv6 without brackets). */
  readonly address: string
  readonly port: number
  /** `http://<address>:<port>/`, the form every report and message uses. */
  readonly url: string
}

/** `http://<address>:<port>/`, with IPv6 addresses in brackets and the port always written. */
export function serverUrl (address: string, port: number): string {
  return isIP(address) === 6 ? `http://[${address}]:${port}/` : `http://${address}:${port}/`
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

function refuse (option: string, item: string, why: string, cause?: unknown): never {
  throw new InvalidArgumentError(`invalid ${option}: '${item}' ${why} (write host:port, host, or http://host:port/)`, cause === undefined ? undefined : { cause })
}

/**
 * Parses one server in any accepted form; `InvalidArgumentError` naming `option` (and the
 * forms that work) otherwise.
 */
export function parseServerAddress (item: unknown, option = 'servers'): ServerAddress {
  if (typeof item !== 'string') throw new InvalidArgumentError(`invalid ${option}: expected strings such as 'host:port' or 'http://host:port/'`)
  let hostPort = item
  let defaultPort = DEFAULT_DATA_SERVER_PORT
  if (SCHEME.test(item)) {
    let url: URL
    try {
      url = new URL(item)
    } catch (err) {
      refuse(option, item, 'is not a URL', err)
    }
    if (url.protocol !== 'http:') refuse(option, item, 'is not an http:// URL (data servers speak plain HTTP)')
    if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      refuse(option, item, 'must name a server only, without a path')
    }
    if (url.hostname === '') refuse(option, item, 'has no host')
    hostPort = url.host
    defaultPort = 80
  }
  let host: string
  let portText: string | undefined
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(hostPort)
  if (bracketed !== null) {
    host = bracketed[1] ?? ''
    portText = bracketed[2]
    if (isIP(host) !== 6) refuse(option, item, 'has no valid IPv6 address in its brackets')
  } else if (isIP(hostPort) === 6) {
    host = hostPort
  } else {
    const colon = hostPort.lastIndexOf(':')
    host = colon < 0 ? hostPort : hostPort.slice(0, colon)
    portText = colon < 0 ? undefined : hostPort.slice(colon + 1)
  }
  if (host === '') refuse(option, item, 'has no host')
  if (portText !== undefined && !/^\d{1,5}$/.test(portText)) refuse(option, item, 'has an invalid port')
  const port = portText === undefined ? defaultPort : Number(portText)
  if (port < 1 || port > 65535) refuse(option, item, 'has a port outside 1-65535')
  // The URL parser canonicalises the host (case, IPv4/IPv6 forms) and refuses what no host can be.
  let canonical: URL
  try {
    canonical = new URL(`http://${isIP(host) === 6 ? `[${host}]` : host}/`)
  } catch (err) {
    refuse(option, item, 'has no valid host', err)
  }
  if (canonical.pathname !== '/' || canonical.username !== '' || canonical.search !== '' || canonical.hash !== '' || /[\s/\\?#@]/.test(host)) {
    refuse(option, item, 'has no valid host')
  }
  const address = canonical.hostname.startsWith('[') ? canonical.hostname.slice(1, -1) : canonical.hostname
  return { address, port, url: serverUrl(address, port) }
}

/**
 * Parses a list of servers: an array of items, or one string; each item may itself hold several
 * servers separated by commas or white space (`--servers a:1,b:2`, `PYME_CLUSTER_SERVERS="a b"`).
 * Duplicates are dropped (the first wins); an empty list is allowed.
 */
export function parseServerList (input: string | readonly string[], option = 'servers'): ServerAddress[] {
  if (typeof input !== 'string' && !Array.isArray(input)) throw new InvalidArgumentError(`invalid ${option}: expected an array of strings such as 'host:port' or 'http://host:port/'`)
  const items = (typeof input === 'string' ? [input] : input).flatMap((s: unknown) => {
    if (typeof s !== 'string') throw new InvalidArgumentError(`invalid ${option}: expected strings such as 'host:port' or 'http://host:port/'`)
    return s.split(/[\s,]+/)
  }).filter((s) => s !== '')
  const seen = new Set<string>()
  const out: ServerAddress[] = []
  for (const item of items) {
    const parsed = parseServerAddress(item, option)
    if (seen.has(parsed.url)) continue
    seen.add(parsed.url)
    out.push(parsed)
  }
  return out
}
