/**
 * What the parts of a `Cluster` share: the node directory, options, per-server HTTP clients,
 * the listing and location caches, the abort signal of `destroy()`, and two policies used
 * everywhere: which servers are live, and what to do when one fails.
 *
 *   Cluster ─┬─ UnionListing (listings, merge, locate)
 *            ├─ FileReader   (get/open, local bypass)      all over one ClusterContext
 *            └─ FileWriter   (put, write-once checks)
 */
import { channel } from 'node:diagnostics_channel'
import { debuglog } from 'node:util'
import { NodeUnreachableError, OperationTimeoutError, PymeError } from '../errors.js'
import type { DataServerInfo, NodeDirectory } from '../discovery/node-directory.js'
import type { ResolvedClusterOptions } from './cluster-options.js'
import type { NodeFailure } from './cluster-types.js'
import { ListingCache } from './listing-cache.js'
import { LruCache } from '../internal/lru-cache.js'
import { NodePool } from './node-pool.js'

const debug = debuglog('pyme')
const failureChannel = channel('pyme:cluster:node-failure')

function asPymeError (err: unknown): PymeError {
  return err instanceof PymeError ? err : new PymeError(String((err as Error)?.message ?? err), 'PYME_ERR_UNKNOWN', { cause: err })
}

export class ClusterContext {
  readonly dir: NodeDirectory
  readonly opts: ResolvedClusterOptions
  readonly nodes: NodePool
  readonly listings: ListingCache
  /** Cluster path → URLs of the servers holding it (write-once: never stale unless deleted behind our back). */
  readonly locations: LruCache<string, readonly string[]>
  readonly signal: AbortSignal
  /** Every server seen live, by URL (a handful): to name a server that has since left. */
  readonly #seen = new Map<string, DataServerInfo>()
  #reprobe = true

  constructor (dir: NodeDirectory, opts: ResolvedClusterOptions, signal: AbortSignal) {
    this.dir = dir
    this.opts = opts
    this.signal = signal
    this.nodes = new NodePool(dir, { connections: opts.connectionsPerNode, connectTimeoutMs: opts.connectTimeoutMs })
    this.listings = new ListingCache({ ttlMs: opts.listingCacheMs, maxDirs: opts.listingCacheDirs, maxNames: opts.listingCacheNames, ownWriteMs: opts.ownWriteVisibilityMs })
    this.locations = new LruCache({ maxEntries: opts.locationCacheEntries })
  }

  get cluster (): string { return this.dir.cluster }

  /**
   * Where this client looks, for messages: `cluster 'lab1'`, or, for servers given without a
   * cluster name, the servers in use (`data servers http://a:15348/, http://b:15348/`).
   */
  where (): string {
    if (this.opts.scope === 'cluster') return `cluster '${this.cluster}'`
    const urls = this.dir.servers().map((s) => s.url)
    if (urls.length === 0) return 'the data servers given (none answers)'
    return `data server${urls.length === 1 ? '' : 's'} ${urls.length > 4 ? `${urls.slice(0, 4).join(', ')} and ${urls.length - 4} more` : urls.join(', ')}`
  }

  /** The live servers; waits up to `discoveryTimeoutMs` (NoServersError) when there are none. */
  async live (): Promise<readonly DataServerInfo[]> {
    let now = this.dir.servers()
    if (now.length === 0) now = await this.dir.waitForServers({ timeoutMs: this.opts.discoveryTimeoutMs })
    for (const s of now) if (this.#seen.get(s.url) !== s) this.#seen.set(s.url, s)
    return now
  }

  /** A server seen live before (it may have left since). */
  seen (url: string): DataServerInfo | undefined {
    return this.#seen.get(url)
  }

  /**
   * Records a server failure (debuglog, `pyme:cluster:node-failure` channel) and, for a server
   * that did not answer, asks discovery to re-probe it now rather than at its next period.
   */
  failed (server: DataServerInfo, err: unknown): NodeFailure {
    const error = asPymeError(err)
    debug('cluster: %s failed: %s', server.url, error.message)
    if (failureChannel.hasSubscribers) failureChannel.publish({ server, error })
    if (this.#reprobe && (error instanceof NodeUnreachableError || error instanceof OperationTimeoutError)) {
      this.dir.reprobe(server.url).catch(() => {})
    }
    return { server, error }
  }

  /** Stops re-probe requests (the client is closing). */
  stopReprobing (): void {
    this.#reprobe = false
  }
}
