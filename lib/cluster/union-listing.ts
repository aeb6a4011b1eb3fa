/**
 * The cluster namespace as the union of every live server's listings (PROTOCOL.md §5.2–§5.5):
 * per-server fetches through the listing cache (concurrent requests for one listing share
 * one fetch), the merge of §5.3 (memoised while the inputs are unchanged), lookups of single
 * entries and file location. A server that fails is skipped and reported; only when every
 * server fails does a listing fail. Servers discovery knows of but that do not answer (they
 * left the live set) are reported too ("silent"): a name missing from the listing may be on
 * one of them, and readers say so instead of "does not exist".
 */
import { debuglog } from 'node:util'
import { DestroyedError, NodeUnreachableError, OperationTimeoutError } from '../errors.js'
import type { DataServerInfo } from '../discovery/node-directory.js'
import { compareNames, joinClusterPath, splitClusterPath } from '../internal/cluster-path.js'
import type { ClusterContext } from './cluster-context.js'
import type { DirectoryEntry, NodeFailure } from './cluster-types.js'
import type { CachedListing } from './listing-cache.js'
import { mergeListings, type MergedEntry } from './listing-merge.js'
import { LruCache } from '../internal/lru-cache.js'
import { FileType } from './node-listing.js'
import { serverInfo } from './node-status.js'

const debug = debuglog('pyme')

/** Every live server's listing of one directory. */
export interface Gathered {
  readonly servers: readonly DataServerInfo[]
  /** Per server, its listing, or null when it failed. */
  readonly listings: ReadonlyArray<CachedListing | null>
  readonly failures: readonly NodeFailure[]
  /** Servers discovery knows of that are not in the live set (they do not answer a connection). */
  readonly silent: readonly NodeFailure[]
}

/** Where `locate` found a file, or why it did not. */
export interface Located {
  readonly hits: Hit[]
  readonly failures: NodeFailure[]
  readonly holders: NodeFailure[]
  readonly silent: NodeFailure[]
}

/** A server that lists a file, and what that listing cost (PYME's location cost). */
export interface Hit {
  readonly server: DataServerInfo
  readonly costMs: number
}

interface Memo {
  readonly urls: string
  readonly refs: ReadonlyArray<CachedListing | null>
  readonly versions: readonly number[]
  readonly merged: Map<string, MergedEntry>
  sorted: readonly string[] | null
}

export class UnionListing {
  readonly #ctx: ClusterContext
  readonly #inflight = new Map<string, Promise<CachedListing>>()
  readonly #memo: LruCache<string, Memo>

  constructor (ctx: ClusterContext) {
    this.#ctx = ctx
    this.#memo = new LruCache({ maxEntries: 64, maxWeight: ctx.opts.listingCacheNames, weigh: (m) => m.merged.size + 1 })
  }

  /** Each live server's listing of `dir` (cached as PYME does unless `fresh`). */
  async gather (dir: string, fresh: boolean): Promise<Gathered> {
    const servers = await this.#ctx.live()
    const settled = await Promise.allSettled(servers.map((s) => this.#listNode(s, dir, fresh)))
    const failures: NodeFailure[] = []
    const listings = settled.map((r, i) => {
      if (r.status === 'fulfilled') return r.value
      failures.push(this.#ctx.failed(servers[i] as DataServerInfo, r.reason))
      return null
    })
    if (failures.length === servers.length) {
      const who = this.#ctx.opts.scope === 'cluster' ? `no data server of cluster '${this.#ctx.cluster}'` : 'none of the data servers given'
      const msg = `${who} answered the listing of '${dir}/': ${failures.map((f) => f.error.message).join('; ')}`
      const cause = (failures[0] as NodeFailure).error
      if (failures.every((f) => f.error instanceof OperationTimeoutError)) throw new OperationTimeoutError(msg, { cause })
      if (failures.every((f) => f.error instanceof DestroyedError)) throw cause
      throw new NodeUnreachableError(msg, { cause })
    }
    return { servers, listings, failures, silent: this.silent(servers) }
  }

  /** The servers discovery announced or was given that do not answer (not among `live`), as failures. */
  silent (live: readonly DataServerInfo[]): NodeFailure[] {
    const known = this.#ctx.dir.known()
    if (known.length === live.length) return []
    const urls = new Set(live.map((s) => s.url))
    return known.filter((k) => !k.answering && !urls.has(k.url)).map((k) => ({
      server: serverInfo(k),
      error: new NodeUnreachableError(`${k.url} is not answering${k.reason === '' ? '' : ` (${k.reason})`}`)
    }))
  }

  /** The §5.3 merge of gathered listings (memoised per directory). */
  merge (dir: string, g: Gathered): Map<string, MergedEntry> {
    return this.#memoFor(dir, g).merged
  }

  /** The merge and its names in code-unit order (memoised together). Do not modify. */
  sorted (dir: string, g: Gathered): { readonly merged: Map<string, MergedEntry>, readonly keys: readonly string[] } {
    const memo = this.#memoFor(dir, g)
    memo.sorted ??= [...memo.merged.keys()].sort(compareNames)
    return { merged: memo.merged, keys: memo.sorted }
  }

  #memoFor (dir: string, g: Gathered): Memo {
    const urls = g.servers.map((s) => s.url).join(' ')
    const memo = this.#memo.get(dir)
    if (memo !== undefined && memo.urls === urls && memo.refs.every((r, i) => r === g.listings[i] && (r === null || r.version === memo.versions[i]))) {
      return memo
    }
    const merged = mergeListings(g.listings.map((l) => l?.listing ?? null))
    const fresh: Memo = { urls, refs: g.listings, versions: g.listings.map((l) => l?.version ?? 0), merged, sorted: null }
    this.#memo.set(dir, fresh)
    return fresh
  }

  /** A merged entry as the public `DirectoryEntry`. */
  entry (dir: string, key: string, m: MergedEntry, servers: readonly DataServerInfo[]): DirectoryEntry {
    const isDirectory = key.endsWith('/')
    const name = isDirectory ? key.slice(0, -1) : key
    return {
      name,
      path: joinClusterPath(dir, name),
      isDirectory,
      flags: m.flags,
      size: m.size,
      isSeries: (m.flags & FileType.SERIES) !== 0,
      isComplete: (m.flags & FileType.SERIES_COMPLETE) !== 0,
      locations: m.nodes.map((i) => (servers[i] as DataServerInfo).url)
    }
  }

  /**
   * The entry `path` from its parent's listing, as a `'file'`, a `'directory'`, or `'either'`
   * (the file first). A miss in cached listings is confirmed with fresh ones (another client
   * may just have written it); one fresh round answers for both kinds.
   */
  async lookup (path: string, kind: 'file' | 'directory' | 'either'): Promise<DirectoryEntry | undefined> {
    const [dir, base] = splitClusterPath(path)
    for (const fresh of [false, true]) {
      const g = await this.gather(dir, fresh)
      const merged = this.merge(dir, g)
      if (kind !== 'directory') {
        const m = merged.get(base)
        if (m !== undefined) return this.entry(dir, base, m, g.servers)
      }
      // 'either' takes a cached directory only after a fresh look for the file (the file
      // comes first); 'directory' takes it at once.
      if (kind === 'directory' || (kind === 'either' && fresh)) {
        const m = merged.get(`${base}/`)
        if (m !== undefined && m.flags > 0) return this.entry(dir, `${base}/`, m, g.servers)
      }
    }
    return undefined
  }

  /**
   * The servers that list file `path`, cheapest first (§5.5). Uses the location cache, then
   * listings of any age, then fresh listings before answering "nowhere". `failures` are live
   * servers whose listing failed. When nothing was found: `holders`, servers known to hold the
   * file that have left the live set (it is there, not missing), and `silent`, the other
   * servers that do not answer (it may be on one of them).
   */
  async locate (path: string, fresh: boolean): Promise<Located> {
    const ctx = this.#ctx
    const servers = await ctx.live()
    const [dir, base] = splitClusterPath(path)
    if (!fresh) {
      const known = ctx.locations.get(path)
      if (known !== undefined) {
        const hits = servers.filter((s) => known.includes(s.url)).map((s) => ({ server: s, costMs: ctx.listings.peek(s.url, dir)?.durationMs ?? 0 }))
        if (hits.length > 0) return { hits, failures: [], holders: [], silent: [] }
      }
    }
    for (const force of fresh ? [true] : [false, true]) {
      const failures: NodeFailure[] = []
      const found = await Promise.all(servers.map(async (server): Promise<Hit | null> => {
        const seen = force ? undefined : ctx.listings.peek(server.url, dir)
        if (seen?.listing.has(base) === true) return { server, costMs: seen.durationMs }
        try {
          const c = await this.#listNode(server, dir, force)
          return c.listing.has(base) ? { server, costMs: c.durationMs } : null
        } catch (err) {
          failures.push(ctx.failed(server, err))
          return null
        }
      }))
      const hits = found.filter((h): h is Hit => h !== null)
      // Cheapest first; a stable sort keeps server order (local first) among equals.
      hits.sort((a, b) => a.costMs - b.costMs)
      if (hits.length > 0) {
        ctx.locations.set(path, hits.map((h) => h.server.url))
        return { hits, failures, holders: [], silent: [] }
      }
      if (force) {
        const holders: NodeFailure[] = []
        for (const url of ctx.locations.peek(path) ?? []) {
          const gone = ctx.seen(url)
          if (gone !== undefined && !servers.includes(gone)) {
            holders.push({ server: gone, error: new NodeUnreachableError(`'${path}' is on ${url}, which is not answering`) })
          }
        }
        const silent = this.silent(servers).filter((f) => !holders.some((h) => h.server.url === f.server.url))
        return { hits, failures, holders, silent }
      }
    }
    /* c8 ignore next */
    return { hits: [], failures: [], holders: [], silent: [] }
  }

  #listNode (server: DataServerInfo, dir: string, fresh: boolean): Promise<CachedListing> {
    const ctx = this.#ctx
    if (!fresh) {
      const c = ctx.listings.fresh(server.url, dir)
      if (c !== undefined) return Promise.resolve(c)
    }
    const k = `${server.url}\u0000${dir}`
    const running = this.#inflight.get(k)
    if (running !== undefined) return running
    const p = (async () => {
      const t0 = performance.now()
      const { listing, dropped } = await ctx.nodes.client(server).list(dir, {
        timeoutMs: ctx.opts.listTimeoutMs, maxBytes: ctx.opts.maxListingBytes, signal: ctx.signal
      })
      if (dropped > 0) debug('cluster: %s listed %d unsafe names in %s/ (dropped)', server.url, dropped, dir)
      return ctx.listings.store(server.url, dir, listing, performance.now() - t0)
    })().finally(() => { this.#inflight.delete(k) })
    this.#inflight.set(k, p)
    return p
  }
}
