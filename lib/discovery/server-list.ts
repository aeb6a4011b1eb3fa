/**
 * Static data-server lists (`servers` option, `PYME_CLUSTER_SERVERS`, `--servers`):
 * `http://10.0.0.5:15348/`, `10.0.0.5:15348`, `[fe80::1]:15348`, `nodeA` (PYME's default
 * port 15348), separated by commas or white space.
 */
import { isIP } from 'node:net'
import { InvalidArgumentError } from '../errors.js'

/** PYME's default data-server port (PROTOCOL.md §3.3). */
export const DEFAULT_DATA_SERVER_PORT = 15348

/** One statically configured data server. */
export interface ServerAddress {
  readonly address: string
  readonly port: number
}

/** `http://<address>:<port>/`, with IPv6 addresses in brackets. */
export function serverUrl (address: string, port: number): string {
  return isIP(address) === 6 ? `http://[${address}]:${port}/` : `http://${address}:${port}/`
}

function parseOne (item: string, option: string): ServerAddress {
  let text = item
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL
    try {
      url = new URL(text)
    } catch (err) {
      throw new InvalidArgumentError(`invalid ${option}: '${item}' is not a URL`, { cause: err })
    }
    if (url.protocol !== 'http:') throw new InvalidArgumentError(`invalid ${option}: '${item}' must be an http:// URL`)
    if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.username !== '') {
      throw new InvalidArgumentError(`invalid ${option}: '${item}' must name a server only (http://host:port/)`)
    }
    text = url.host
  }
  let host: string
  let portText: string | undefined
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  if (v6 !== null) {
    host = v6[1] ?? ''
    portText = v6[2]
  } else if (isIP(text) === 6) {
    host = text
  } else {
    const i = text.lastIndexOf(':')
    host = i < 0 ? text : text.slice(0, i)
    portText = i < 0 ? undefined : text.slice(i + 1)
  }
  if (host === '' || /[\s/?#@]/.test(host)) throw new InvalidArgumentError(`invalid ${option}: '${item}' has no valid host`)
  const port = portText === undefined ? DEFAULT_DATA_SERVER_PORT : Number(portText)
  if (!/^\d+$/.test(portText ?? '0') || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`invalid ${option}: '${item}' has an invalid port`)
  }
  return { address: host, port }
}

/**
 * Parses a server list. Duplicates are dropped (first wins); an empty list is allowed.
 * `InvalidArgumentError` naming `option` for a bad item.
 */
export function parseServerList (input: string | readonly string[], option = 'servers'): ServerAddress[] {
  const items = (typeof input === 'string' ? [input] : input).flatMap((s) => {
    if (typeof s !== 'string') throw new InvalidArgumentError(`invalid ${option}: expected strings`)
    return s.split(/[\s,]+/)
  }).filter((s) => s !== '')
  const seen = new Set<string>()
  const out: ServerAddress[] = []
  for (const item of items) {
    const parsed = parseOne(item, option)
    const key = serverUrl(parsed.address, parsed.port)
    if (seen.has(key)) continue
    seen.add(key)
    out.push(parsed)
  }
  return out
}
