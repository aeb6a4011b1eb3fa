/**
 * `startDiscovery(options)`: builds the sources a client asked for and starts a
 * `NodeDirectory` over them (PROTOCOL.md §4.5, PYME's hybrid name service plus a static list).
 *
 * Defaults: cluster from `resolveDefaultCluster`; exact match on the bracketed cluster name;
 * the local SQLite registry on; mDNS on unless static servers are given.
 */
import { InvalidArgumentError } from '../errors.js'
import { computerName } from '../internal/computer-name.js'
import { checkOptionsObject, enumOption, type OptionKeys } from '../internal/options.js'
import type { ClusterMatch } from '../internal/service-name.js'
import { defaultRegistryPath } from '../internal/sqlite-registry.js'
import { resolveDefaultCluster } from './default-cluster.js'
import { MdnsBrowser } from './mdns-browser.js'
import { NodeDirectory, type DiscoverySource } from './node-directory.js'
import { RegistrySource } from './registry-source.js'
import { parseServerList } from '../internal/server-address.js'
import { StaticSource } from './static-source.js'

/** Where and how to look for the data servers of a cluster. */
export interface DiscoveryOptions {
  /** Cluster name (PYME's serverfilter). @default resolveDefaultCluster() */
  readonly cluster?: string
  /**
   * How instance names are matched: `'exact'` compares the bracketed cluster name;
   * `'substring'` is PYME's rule (`cluster` anywhere in the name; `''` = every cluster).
   * @default { match: 'exact' }
   */
  readonly serverfilter?: { readonly match: ClusterMatch }
  /**
   * Static servers (`http://host:port/`, `host:port` or `host`), used as given, without a
   * cluster check. @default `PYME_CLUSTER_SERVERS` (comma or space separated), else none
   */
  readonly servers?: readonly string[]
  /** Browse mDNS, optionally on one interface (name or IPv4 address). @default true unless static servers are given */
  readonly mdns?: boolean | { readonly interface?: string }
  /** Read PYME's host-local SQLite registry. @default true, at `<python tempdir>/_pyme-http.sqlite` */
  readonly registry?: boolean | { readonly path?: string }
  /** Re-probe (and re-browse, re-read) period, ms (10 to 2147483647). @default 10000 */
  readonly probeIntervalMs?: number
  /** TCP probe timeout, ms (1 to 2147483647). @default 2000 */
  readonly probeTimeoutMs?: number
  /** Extra wait for further mDNS answers after the first, ms (0 to 2147483647). @default 250 */
  readonly settleMs?: number
  /** Environment (`PYME_CLUSTER`, `PYME_CLUSTER_SERVERS`, `TMPDIR`, `HOME`). @default process.env */
  readonly env?: NodeJS.ProcessEnv
}

/** Every key of DiscoveryOptions (options of the client and the CLI build on it). */
export const DISCOVERY_OPTION_KEYS = {
  cluster: true, serverfilter: true, servers: true, mdns: true, registry: true, probeIntervalMs: true,
  probeTimeoutMs: true, settleMs: true, env: true
} as const satisfies Record<keyof DiscoveryOptions, true> & OptionKeys

/** The discovery part of a larger options object (a `ClusterOptions`). */
export function discoveryOptionsOf (options: DiscoveryOptions): DiscoveryOptions {
  return Object.fromEntries(Object.entries(options).filter(([key]) => Object.hasOwn(DISCOVERY_OPTION_KEYS, key))) as DiscoveryOptions
}

function flag<T extends object> (value: boolean | T | undefined, fallback: boolean, option: string, keys: OptionKeys): false | T | Record<string, never> {
  if (value === undefined) return fallback ? {} : false
  if (value === false) return false
  if (value === true) return {}
  if (typeof value === 'object' && value !== null) {
    checkOptionsObject(value, keys, option)
    return value
  }
  throw new InvalidArgumentError(`invalid ${option}: expected a boolean or an object`)
}

/** Starts discovery; resolves to a started `NodeDirectory` (close it when done). */
export async function startDiscovery (options: DiscoveryOptions = {}): Promise<NodeDirectory> {
  checkOptionsObject(options, DISCOVERY_OPTION_KEYS)
  const env = options.env ?? process.env
  const cluster = resolveDefaultCluster(options.cluster === undefined ? { env } : { cluster: options.cluster, env })
  if (options.serverfilter !== undefined) checkOptionsObject(options.serverfilter, { match: true }, 'serverfilter')
  const match = enumOption(options.serverfilter?.match, 'serverfilter.match', ['exact', 'substring'], 'exact')
  if (options.servers !== undefined && !Array.isArray(options.servers)) throw new InvalidArgumentError('invalid servers: expected an array of strings')
  const fromEnv = env['PYME_CLUSTER_SERVERS']
  const servers = options.servers !== undefined
    ? parseServerList(options.servers)
    : fromEnv !== undefined ? parseServerList(fromEnv, 'PYME_CLUSTER_SERVERS') : []
  const mdns = flag(options.mdns, servers.length === 0, 'mdns', { interface: true })
  const registry = flag(options.registry, true, 'registry', { path: true })

  const sources: DiscoverySource[] = []
  if (servers.length > 0) sources.push(new StaticSource(servers))
  if (registry !== false) {
    const path = (registry as { path?: unknown }).path
    if (path !== undefined && (typeof path !== 'string' || path === '')) throw new InvalidArgumentError('invalid registry.path: expected a file path')
    sources.push(new RegistrySource({ path: path ?? defaultRegistryPath('_pyme-http', env), cluster, match }))
  }
  if (mdns !== false) {
    const iface = (mdns as { interface?: unknown }).interface
    if (iface !== undefined && typeof iface !== 'string') throw new InvalidArgumentError('invalid mdns.interface: expected a string')
    sources.push(new MdnsBrowser(iface === undefined ? { cluster, match } : { cluster, match, interface: iface }))
  }
  const directory = new NodeDirectory({
    sources,
    cluster,
    computerName: computerName(env),
    ...(options.probeIntervalMs === undefined ? {} : { probeIntervalMs: options.probeIntervalMs }),
    ...(options.probeTimeoutMs === undefined ? {} : { probeTimeoutMs: options.probeTimeoutMs }),
    ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs })
  })
  return directory.start()
}
