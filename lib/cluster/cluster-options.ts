/**
 * Options of `Cluster.connect` and their validation (once, with InvalidArgumentError naming
 * the option). Defaults follow PYME's client (PROTOCOL.md §5.11) where it has one.
 */
import { InvalidArgumentError } from '../errors.js'
import { parseServerAddress } from '../internal/server-address.js'
import { byteSizeOption, checkOptionsObject, durationOption, enumError, enumOption, integerOption, type OptionKeys } from '../internal/options.js'
import { MAX_TIMER_MS } from '../internal/timer-limit.js'
import { DISCOVERY_OPTION_KEYS, type DiscoveryOptions } from '../discovery/start-discovery.js'
import type { NodeDirectory } from '../discovery/node-directory.js'
import type { PutDistribution } from './put-distribution.js'

/** Options of `Cluster.connect`: everything of `DiscoveryOptions`, plus the client's own. */
export interface ClusterOptions extends DiscoveryOptions {
  /**
   * Use this running directory instead of starting discovery (it is not closed by
   * `Cluster.close()`). The discovery options are then ignored.
   */
  readonly directory?: NodeDirectory
  /** How long `connect` (and a call finding no live server) waits for servers, ms. @default 5000 */
  readonly discoveryTimeoutMs?: number
  /** Servers `connect` waits for. @default 1 */
  readonly minServers?: number
  /** Listing freshness, ms (PYME: 1 s, plus the duration of the request that fetched it). @default 1000 */
  readonly listingCacheMs?: number
  /** Directories (per server) whose listings are cached. @default 1000 */
  readonly listingCacheDirs?: number
  /** Names held in cached listings, in total (~130-250 bytes each). @default 1000000 */
  readonly listingCacheNames?: number
  /** How long own writes are merged into listings that do not show them yet, ms. @default 10000 */
  readonly ownWriteVisibilityMs?: number
  /** File locations cached (write-once: they do not expire). @default 100000 */
  readonly locationCacheEntries?: number
  /** Files whose contents are cached. 0 disables the cache. @default 100 */
  readonly fileCacheEntries?: number
  /** Largest file whose contents are cached, bytes (PYME: 1 MB). @default 1000000 */
  readonly fileCacheMaxFileBytes?: number
  /** Total bytes of cached file contents. @default 67108864 */
  readonly fileCacheBytes?: number
  /** Listing request timeout, ms (PYME: 10 s). @default 10000 */
  readonly listTimeoutMs?: number
  /** GET timeout: for the response head and between body chunks, ms (PYME: 5 s). @default 5000 */
  readonly getTimeoutMs?: number
  /** PUT timeout: for progress of the upload and for the answer, ms (PYME: 10 s). @default 10000 */
  readonly putTimeoutMs?: number
  /** `/__status` timeout, ms (PYME: 0.5 s). @default 2000 */
  readonly statusTimeoutMs?: number
  /** `/__glob` timeout, ms (PYME: 2 s). @default 2000 */
  readonly globTimeoutMs?: number
  /** TCP connect timeout, ms. @default 5000 */
  readonly connectTimeoutMs?: number
  /** Attempts of `getFile` (locate and read) before giving up (PYME: 3). @default 3 */
  readonly getRetries?: number
  /** Pause between `getFile` attempts when servers failed, ms (PYME: 1 s). @default 1000 */
  readonly retryDelayMs?: number
  /** Servers tried by `putFile` when connections fail (PYME: 3). @default 3 */
  readonly putRetries?: number
  /** Keep-alive connections per server. @default 4 */
  readonly connectionsPerNode?: number
  /** Largest listing accepted from a server, bytes. @default 268435456 */
  readonly maxListingBytes?: number
  /** Which server a new file goes to. @default 'least-recently-written' (PYME) */
  readonly distribution?: PutDistribution
  /**
   * Read files of servers whose root is on this machine straight from disk. `true` uses the
   * `Root` a local server reports in `/__status`; `roots` maps server URLs
   * (`http://127.0.0.1:15348/`) to root directories for servers that do not report one.
   * @default true
   */
  readonly localBypass?: boolean | { readonly roots?: Readonly<Record<string, string>> }
  /**
   * What the empty serverfilter of `PYME-CLUSTER:///path` means. PYME reads it as "every
   * cluster visible"; with `'connected'` it names the cluster this client is connected to;
   * with `'all'` it is accepted only by a client that sees every cluster (`cluster: ''` with
   * `serverfilter: { match: 'substring' }`) and refused (InvalidUriError) by others.
   * @default 'connected'
   */
  readonly emptyServerfilter?: 'connected' | 'all'
  /**
   * How `putFile` checks that a name is new: `'cache'` refuses names this client has seen
   * (any cached listing, location or own write); `'cluster'` also lists the directory on every
   * server first, and refuses to write when a server cannot be asked.
   * @default 'cache'
   */
  readonly existenceCheck?: 'cache' | 'cluster'
}

/**
 * What a client names in its messages and URIs: a cluster (by name), or the data servers it
 * was given without a cluster name (then the computer's name, the default cluster, would be a
 * false claim).
 */
export type ClusterScope = 'cluster' | 'servers'

/** Options after defaults and validation. */
export interface ResolvedClusterOptions {
  readonly discoveryTimeoutMs: number
  readonly minServers: number
  readonly listingCacheMs: number
  readonly listingCacheDirs: number
  readonly listingCacheNames: number
  readonly ownWriteVisibilityMs: number
  readonly locationCacheEntries: number
  readonly fileCacheEntries: number
  readonly fileCacheMaxFileBytes: number
  readonly fileCacheBytes: number
  readonly listTimeoutMs: number
  readonly getTimeoutMs: number
  readonly putTimeoutMs: number
  readonly statusTimeoutMs: number
  readonly globTimeoutMs: number
  readonly connectTimeoutMs: number
  readonly getRetries: number
  readonly retryDelayMs: number
  readonly putRetries: number
  readonly connectionsPerNode: number
  readonly maxListingBytes: number
  readonly distribution: PutDistribution
  readonly localBypass: boolean
  readonly localRoots: ReadonlyMap<string, string>
  readonly emptyServerfilter: 'connected' | 'all'
  readonly existenceCheck: 'cache' | 'cluster'
  readonly scope: ClusterScope
}

/** Every key of ClusterOptions: discovery's and the client's own. */
export const CLUSTER_OPTION_KEYS = {
  ...DISCOVERY_OPTION_KEYS,
  directory: true, discoveryTimeoutMs: true, minServers: true, listingCacheMs: true, listingCacheDirs: true,
  listingCacheNames: true, ownWriteVisibilityMs: true, locationCacheEntries: true, fileCacheEntries: true,
  fileCacheMaxFileBytes: true, fileCacheBytes: true, listTimeoutMs: true, getTimeoutMs: true, putTimeoutMs: true,
  statusTimeoutMs: true, globTimeoutMs: true, connectTimeoutMs: true, getRetries: true, retryDelayMs: true,
  putRetries: true, connectionsPerNode: true, maxListingBytes: true, distribution: true, localBypass: true,
  emptyServerfilter: true, existenceCheck: true
} as const satisfies Record<keyof ClusterOptions, true> & OptionKeys

const COUNT = Number.MAX_SAFE_INTEGER
/** Every duration of the client may be as long as Node's timers allow. */
const ms = (options: ClusterOptions, name: keyof ClusterOptions, fallback: number, min: number): number =>
  durationOption(options[name], name, { min, max: MAX_TIMER_MS, default: fallback })
const count = (options: ClusterOptions, name: keyof ClusterOptions, fallback: number, min: number): number =>
  integerOption(options[name], name, { min, max: COUNT, default: fallback })
const bytes = (options: ClusterOptions, name: keyof ClusterOptions, fallback: number, min: number): number =>
  byteSizeOption(options[name], name, { min, max: Number.MAX_SAFE_INTEGER, default: fallback })

function scopeOf (options: ClusterOptions): ClusterScope {
  if (options.cluster !== undefined || options.directory !== undefined) return 'cluster'
  const given = options.servers ?? (options.env ?? process.env)['PYME_CLUSTER_SERVERS']?.split(/[\s,]+/).filter((s) => s !== '')
  return given !== undefined && given.length > 0 ? 'servers' : 'cluster'
}

/** Applies defaults; throws InvalidArgumentError naming the bad option. */
export function resolveClusterOptions (options: ClusterOptions): ResolvedClusterOptions {
  if (options === undefined) throw new InvalidArgumentError('invalid options: expected an object')
  checkOptionsObject(options, CLUSTER_OPTION_KEYS)
  const bypass = options.localBypass ?? true
  const roots = new Map<string, string>()
  if (typeof bypass === 'object' && bypass !== null) {
    checkOptionsObject(bypass, { roots: true }, 'localBypass')
    const given = bypass.roots ?? {}
    if (typeof given !== 'object' || given === null) throw new InvalidArgumentError('invalid localBypass.roots: expected an object')
    for (const [url, root] of Object.entries(given)) {
      if (typeof root !== 'string' || root === '') throw new InvalidArgumentError(`invalid localBypass.roots: root of '${url}' must be a directory path`)
      roots.set(parseServerAddress(url, 'localBypass.roots').url, root)
    }
  } else if (typeof bypass !== 'boolean') {
    throw new InvalidArgumentError('invalid localBypass: expected a boolean or { roots }')
  }
  const distribution = options.distribution ?? 'least-recently-written'
  if (distribution !== 'least-recently-written' && distribution !== 'round-robin' && typeof distribution !== 'function') {
    throw enumError('distribution', ['least-recently-written', 'round-robin'], 'a function')
  }
  return {
    discoveryTimeoutMs: ms(options, 'discoveryTimeoutMs', 5000, 0),
    minServers: count(options, 'minServers', 1, 1),
    listingCacheMs: ms(options, 'listingCacheMs', 1000, 0),
    listingCacheDirs: count(options, 'listingCacheDirs', 1000, 1),
    listingCacheNames: count(options, 'listingCacheNames', 1_000_000, 1),
    ownWriteVisibilityMs: ms(options, 'ownWriteVisibilityMs', 10_000, 0),
    locationCacheEntries: count(options, 'locationCacheEntries', 100_000, 0),
    fileCacheEntries: count(options, 'fileCacheEntries', 100, 0),
    fileCacheMaxFileBytes: bytes(options, 'fileCacheMaxFileBytes', 1_000_000, 0),
    fileCacheBytes: bytes(options, 'fileCacheBytes', 64 * 1024 * 1024, 0),
    listTimeoutMs: ms(options, 'listTimeoutMs', 10_000, 1),
    getTimeoutMs: ms(options, 'getTimeoutMs', 5000, 1),
    putTimeoutMs: ms(options, 'putTimeoutMs', 10_000, 1),
    statusTimeoutMs: ms(options, 'statusTimeoutMs', 2000, 1),
    globTimeoutMs: ms(options, 'globTimeoutMs', 2000, 1),
    connectTimeoutMs: ms(options, 'connectTimeoutMs', 5000, 1),
    getRetries: count(options, 'getRetries', 3, 1),
    retryDelayMs: ms(options, 'retryDelayMs', 1000, 0),
    putRetries: count(options, 'putRetries', 3, 1),
    connectionsPerNode: count(options, 'connectionsPerNode', 4, 1),
    maxListingBytes: bytes(options, 'maxListingBytes', 256 * 1024 * 1024, 2),
    distribution,
    localBypass: bypass !== false,
    localRoots: roots,
    emptyServerfilter: enumOption(options.emptyServerfilter, 'emptyServerfilter', ['connected', 'all'], 'connected'),
    existenceCheck: enumOption(options.existenceCheck, 'existenceCheck', ['cache', 'cluster'], 'cache'),
    scope: scopeOf(options)
  }
}
