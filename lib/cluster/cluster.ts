/**
 * `Cluster`: PYME's `clusterIO` for TypeScript (PROTOCOL.md §5): one namespace over the union
 * of the data servers of a cluster, with PYME's caches but without its failure modes.
 *
 *   listdir / listDirectory / isdir / stat / walk ─▶ per-server listings (ListingCache, 1 s)
 *                                                    merged as §5.3; a dead or slow server is
 *                                                    skipped and reported, never fatal
 *   locateFile / getFile / openFile              ─▶ location cache (write-once, LRU) → local
 *                                                    bypass or GET; next location on failure
 *   putFile / putStream                          ─▶ refuse known names; least recently written
 *                                                    server; the writer sees its file at once
 *
 * Every path argument is a cluster path (`user/s.pcs/metadata.json`) or a `PYME-CLUSTER://`
 * URI whose serverfilter names this cluster (see `ClusterOptions.emptyServerfilter`).
 */
import { channel } from 'node:diagnostics_channel'
import type { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { debuglog } from 'node:util'
import {
  AlreadyExistsError, ClosedError, DestroyedError, InvalidArgumentError, InvalidNameError, InvalidUriError,
  NodeUnreachableError, NotFoundError, OperationTimeoutError, PymeError
} from '../errors.js'
import type { DataServerInfo, NodeDirectory } from '../discovery/node-directory.js'
import { startDiscovery } from '../discovery/start-discovery.js'
import { encodeClusterPath, joinClusterPath, parseReadPath, parseWritePath, splitClusterPath, type ClusterPath } from '../internal/cluster-path.js'
import type { ClusterMatch } from '../internal/service-name.js'
import { isClusterUri, parseClusterUri } from './cluster-uri.js'
import { resolveClusterOptions, type ClusterOptions, type ResolvedClusterOptions } from './cluster-options.js'
import type {
  ClusterFileStream, DirectoryEntry, DirectoryListing, FileLocation, NodeFailure, NodeStatus, PutResult, WalkStep
} from './cluster-types.js'
import { ListingCache, type CachedListing } from './listing-cache.js'
import { mergeListings, type MergedEntry } from './listing-merge.js'
import { LocalRoots } from './local-roots.js'
import { openLocalFile, readLocalFile } from './local-file.js'
import { isConnectFailure } from './node-client.js'
import { FileType } from './node-listing.js'
import { NodePool } from './node-pool.js'
import { PutPlanner } from './put-distribution.js'
import { LruCache } from './lru-cache.js'

const debug = debuglog('pyme')
const failureChannel = channel('pyme:cluster:node-failure')

/** Options of calls that list. */
export interface ListOptions {
  /** Throw NodeUnreachableError instead of returning a listing that misses a server. @default false */
  readonly strict?: boolean
  /** Ignore cached listings. @default false */
  readonly fresh?: boolean
}

/** Options of `getFile` / `openFile`. */
export interface GetOptions {
  /** @default ClusterOptions.getTimeoutMs */
  readonly timeoutMs?: number
  /** @default ClusterOptions.getRetries */
  readonly retries?: number
  /** Use the small-file content cache. @default true */
  readonly cache?: boolean
  /** Read local servers' files from disk. @default ClusterOptions.localBypass */
  readonly localBypass?: boolean
}

/** Options of `putFile` / `putStream`. */
export interface PutOptions {
  /** @default ClusterOptions.putTimeoutMs */
  readonly timeoutMs?: number
  /** Write to this server (its URL) instead of the distribution's choice. */
  readonly server?: string
}

interface Gathered {
  readonly servers: readonly DataServerInfo[]
  /** Per server, its listing, or null when it failed. */
  readonly listings: ReadonlyArray<CachedListing | null>
  readonly failures: readonly NodeFailure[]
}

interface Memo {
  readonly urls: string
  readonly refs: ReadonlyArray<CachedListing | null>
  readonly versions: readonly number[]
  readonly merged: Map<string, MergedEntry>
}

interface Hit {
  readonly server: DataServerInfo
  readonly costMs: number
}

function asPymeError (err: unknown): PymeError {
  return err instanceof PymeError ? err : new PymeError(String((err as Error)?.message ?? err), 'PYME_ERR_UNKNOWN', { cause: err })
}

function compareKeys (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export class Cluster {
  readonly #dir: NodeDirectory
  readonly #ownsDir: boolean
  readonly #opts: ResolvedClusterOptions
  readonly #match: ClusterMatch
  readonly #listings: ListingCache
  readonly #inflight = new Map<string, Promise<CachedListing>>()
  readonly #memo: LruCache<string, Memo>
  readonly #locations: LruCache<string, readonly string[]>
  /** Every server seen live, by URL (a handful): to name a server that has since left. */
  readonly #seen = new Map<string, DataServerInfo>()
  readonly #files: LruCache<string, Buffer>
  readonly #nodes: NodePool
  readonly #roots: LocalRoots
  readonly #planner: PutPlanner
  readonly #abort = new AbortController()
  #state: 'open' | 'closing' | 'destroyed' = 'open'
  #ops = 0
  #drained: (() => void) | null = null
  #ending: Promise<void> | null = null

  private constructor (dir: NodeDirectory, ownsDir: boolean, opts: ResolvedClusterOptions, match: ClusterMatch) {
    this.#dir = dir
    this.#ownsDir = ownsDir
    this.#opts = opts
    this.#match = match
    this.#listings = new ListingCache({ ttlMs: opts.listingCacheMs, maxDirs: opts.listingCacheDirs, maxNames: opts.listingCacheNames, ownWriteMs: opts.ownWriteVisibilityMs })
    this.#memo = new LruCache({ maxEntries: 64, maxWeight: opts.listingCacheNames, weigh: (m) => m.merged.size + 1 })
    this.#locations = new LruCache({ maxEntries: opts.locationCacheEntries })
    this.#files = new LruCache({ maxEntries: opts.fileCacheEntries, maxWeight: opts.fileCacheBytes, weigh: (b) => b.length + 64 })
    this.#nodes = new NodePool(dir, { connections: opts.connectionsPerNode, connectTimeoutMs: opts.connectTimeoutMs })
    this.#roots = new LocalRoots(opts.localRoots, opts.statusTimeoutMs)
    this.#planner = new PutPlanner(opts.distribution)
  }

  /**
   * Starts discovery (or uses `options.directory`) and resolves once `minServers` servers
   * answer; `NoServersError` (saying where it looked) when none do in `discoveryTimeoutMs`.
   */
  static async connect (options: ClusterOptions = {}): Promise<Cluster> {
    const opts = resolveClusterOptions(options)
    const given = options.directory
    const dir = given ?? await startDiscovery(options)
    try {
      await dir.waitForServers({ timeoutMs: opts.discoveryTimeoutMs, min: opts.minServers })
    } catch (err) {
      if (given === undefined) await dir.close()
      throw err
    }
    return new Cluster(dir, given === undefined, opts, options.serverfilter?.match ?? 'exact')
  }

  /** The cluster name (serverfilter) this client is connected to. */
  get cluster (): string { return this.#dir.cluster }

  /** The node directory in use (live servers, 'add'/'remove' events). */
  get directory (): NodeDirectory { return this.#dir }

  /** The live data servers, local first. */
  servers (): readonly DataServerInfo[] { return this.#dir.servers() }

  // ── listings ────────────────────────────────────────────────────────────────────────────

  /** Merged listing of a directory: names with flags, sizes and locations (§5.3). */
  listDirectory (path: string, options: ListOptions = {}): Promise<DirectoryListing> {
    return this.#op(async () => {
      const dir = this.#resolve(path, 'read').path
      const g = await this.#gather(dir, options.fresh === true)
      this.#strict(g, options, `the listing of '${dir}/'`)
      const merged = this.#merge(dir, g)
      const keys = [...merged.keys()].sort(compareKeys)
      const entries = keys.map((key) => this.#entry(dir, key, merged.get(key) as MergedEntry, g.servers))
      const exists = dir === '' || g.listings.some((l) => l?.exists === true)
      return { path: dir, exists, entries, unreachable: g.failures }
    })
  }

  /** PYME's `listdir`: sorted names, directories with a trailing `/`. */
  listdir (path: string, options: ListOptions = {}): Promise<string[]> {
    return this.#op(async () => {
      const dir = this.#resolve(path, 'read').path
      const g = await this.#gather(dir, options.fresh === true)
      this.#strict(g, options, `the listing of '${dir}/'`)
      return [...this.#merge(dir, g).keys()].sort(compareKeys)
    })
  }

  /** True for the root and for names listed as `<name>/` with flags in their parent (§5.4). */
  isdir (path: string): Promise<boolean> {
    return this.#op(async () => {
      const p = this.#resolve(path, 'read').path
      if (p === '') return true
      return (await this.#lookup(p, true)) !== undefined
    })
  }

  /** True when the file can be located or the directory exists. */
  exists (path: string): Promise<boolean> {
    return this.#op(async () => {
      const p = this.#resolve(path, 'read').path
      if (p === '') return true
      return (await this.#lookup(p, false)) !== undefined || (await this.#lookup(p, true)) !== undefined
    })
  }

  /** One entry (a file first, then a directory of that name); `NotFoundError` when neither exists. */
  stat (path: string): Promise<DirectoryEntry> {
    return this.#op(async () => {
      const p = this.#resolve(path, 'read').path
      if (p === '') {
        const urls = this.servers().map((s) => s.url)
        return { name: '', path: '', isDirectory: true, flags: FileType.DIRECTORY, size: 0, isSeries: false, isComplete: false, locations: urls }
      }
      const found = (await this.#lookup(p, false)) ?? (await this.#lookup(p, true))
      if (found === undefined) throw new NotFoundError(`'${p}' does not exist in cluster '${this.cluster}'`)
      return found
    })
  }

  /**
   * Walks a directory tree top-down (like `os.walk`), listing each directory once. Stops
   * descending below `maxDepth` (a symlink loop on a server cannot make it endless).
   * `NotFoundError` when `top` does not exist.
   */
  async * walk (top: string, options: ListOptions & { readonly maxDepth?: number } = {}): AsyncGenerator<WalkStep, void, undefined> {
    const root = this.#resolve(top, 'read').path
    const maxDepth = options.maxDepth ?? 64
    if (!Number.isInteger(maxDepth) || maxDepth < 0) throw new InvalidArgumentError('invalid maxDepth: expected an integer >= 0')
    const stack: Array<[string, number]> = [[root, 0]]
    let first = true
    while (stack.length > 0) {
      const [dir, depth] = stack.pop() as [string, number]
      const listing = await this.listDirectory(dir, options)
      if (first && !listing.exists) throw new NotFoundError(`'${root}' is not a directory of cluster '${this.cluster}'`)
      first = false
      const directories: string[] = []
      const files: string[] = []
      for (const e of listing.entries) (e.isDirectory ? directories : files).push(e.name)
      yield { path: dir, directories, files, unreachable: listing.unreachable }
      if (depth >= maxDepth) continue
      for (let i = directories.length - 1; i >= 0; i--) stack.push([joinClusterPath(dir, directories[i] as string), depth + 1])
    }
  }

  /**
   * Union of every server's `/__glob` matches (§3.9.2), sorted. The pattern is a relative
   * cluster path with `*`, `?` and `[...]` per component; absolute patterns and `..` are
   * refused (InvalidNameError), and results outside the cluster namespace are dropped.
   */
  glob (pattern: string, options: { readonly strict?: boolean } = {}): Promise<string[]> {
    return this.#op(async () => {
      let pat = pattern
      if (typeof pat !== 'string') throw new InvalidArgumentError('invalid pattern: expected a string')
      if (isClusterUri(pat)) {
        const uri = parseClusterUri(pat)
        this.#checkServerfilter(uri.serverfilter, pat)
        pat = uri.path
      }
      if (pat === '' || pat.startsWith('/')) throw new InvalidNameError(`glob pattern '${pattern}' must be a relative cluster path`)
      if (/[\u0000-\u001f\u007f\\]/.test(pat)) throw new InvalidNameError(`glob pattern '${pattern}' contains a control character or '\\'`)
      if (pat.split('/').includes('..')) throw new InvalidNameError(`glob pattern '${pattern}' may not contain '..'`)
      const servers = await this.#live()
      const results = await Promise.allSettled(servers.map((s) =>
        this.#nodes.client(s).glob(pat, { timeoutMs: this.#opts.globTimeoutMs, signal: this.#abort.signal })))
      const out = new Set<string>()
      const failures: NodeFailure[] = []
      results.forEach((r, i) => {
        const server = servers[i] as DataServerInfo
        if (r.status === 'rejected') {
          failures.push(this.#failed(server, r.reason))
          return
        }
        for (const p of r.value) {
          try {
            const clean = parseReadPath(p).path
            if (clean !== '') out.add(clean)
          } catch {
            debug('glob: %s returned an unsafe path %j', server.url, p)
          }
        }
      })
      this.#strict({ servers, listings: [], failures }, options, `glob '${pattern}'`)
      return [...out].sort(compareKeys)
    })
  }

  // ── locating and reading ────────────────────────────────────────────────────────────────

  /** Where a file is, cheapest first; `[]` when no server lists it (§5.5). */
  locateFile (path: string, options: { readonly fresh?: boolean } = {}): Promise<FileLocation[]> {
    return this.#op(async () => {
      const p = this.#fileName(path, 'read')
      const { hits } = await this.#locate(p, options.fresh === true)
      return hits.map((h) => ({ url: h.server.url + encodeClusterPath(p), server: h.server, costMs: h.costMs }))
    })
  }

  /** True when the file is on a server whose root is on this machine (it would be read from disk). */
  isLocal (path: string): Promise<boolean> {
    return this.#op(async () => (await this.#localPath(this.#fileName(path, 'read'))) !== undefined)
  }

  /** The local path of a file on a server whose root is on this machine, after the containment check. */
  getLocalPath (path: string): Promise<string | undefined> {
    return this.#op(async () => await this.#localPath(this.#fileName(path, 'read')))
  }

  /**
   * Reads a whole file. Tries each location (local bypass first); `NotFoundError` when no server
   * has it, `OperationTimeoutError` when the servers that have it do not answer within
   * `timeoutMs`, `NodeUnreachableError` when they cannot be reached. Never a truncated file.
   */
  getFile (path: string, options: GetOptions = {}): Promise<Buffer> {
    return this.#op(async () => {
      const p = this.#fileName(path, 'read')
      this.#checkGetOptions(options)
      const useCache = options.cache !== false && this.#opts.fileCacheEntries > 0
      if (useCache) {
        const hit = this.#files.get(p)
        if (hit !== undefined) return Buffer.from(hit)
      }
      const timeoutMs = options.timeoutMs ?? this.#opts.getTimeoutMs
      const data = await this.#fromLocations(p, options, async (server, expected, local) => {
        if (local) {
          const root = await this.#roots.rootOf(server, this.#nodes.client(server))
          if (root !== null) {
            const buf = await readLocalFile(root, p)
            if (buf !== null && (expected === undefined || buf.length === expected)) return buf
          }
        }
        return await this.#nodes.client(server).read(p, { timeoutMs, signal: this.#abort.signal })
      })
      if (useCache && data.length <= this.#opts.fileCacheMaxFileBytes) this.#files.set(p, Buffer.from(data))
      return data
    })
  }

  /** Opens a file as a stream (for large files); errors as `getFile`. Consume or destroy the stream. */
  openFile (path: string, options: GetOptions = {}): Promise<ClusterFileStream> {
    return this.#op(async () => {
      const p = this.#fileName(path, 'read')
      const timeoutMs = options.timeoutMs ?? this.#opts.getTimeoutMs
      return await this.#fromLocations(p, options, async (server, expected, local) => {
        if (local) {
          const root = await this.#roots.rootOf(server, this.#nodes.client(server))
          const opened = root === null ? null : await openLocalFile(root, p)
          if (opened !== null) {
            if (expected === undefined || opened.size === expected) {
              return { size: opened.size, stream: opened.handle.createReadStream({ start: 0 }), source: opened.realPath, local: true }
            }
            await opened.handle.close()
          }
        }
        const { size, body } = await this.#nodes.client(server).open(p, { timeoutMs, signal: this.#abort.signal })
        return { size, stream: body, source: server.url + encodeClusterPath(p), local: false }
      })
    })
  }

  // ── writing ─────────────────────────────────────────────────────────────────────────────

  /**
   * Writes a new file (write-once). Refuses a name known to exist anywhere in the cluster
   * (AlreadyExistsError; also for the server's 405), picks a server by the distribution, and
   * tries another server only when a connection could not be made (nothing was sent). Any
   * other failure after sending is reported as is: the data server keeps only complete uploads.
   */
  putFile (path: string, data: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    if (!(data instanceof Uint8Array)) return Promise.reject(new InvalidArgumentError('invalid data: expected a Uint8Array or Buffer'))
    return this.#op(() => this.#put(path, data, data.byteLength, options))
  }

  /** Writes a new file from a stream of exactly `size` bytes (see `putFile`). */
  putStream (path: string, source: Readable, size: number, options: PutOptions = {}): Promise<PutResult> {
    if (!Number.isSafeInteger(size) || size < 0) return Promise.reject(new InvalidArgumentError('invalid size: expected an integer >= 0'))
    if (source === null || typeof source !== 'object' || typeof (source as Readable).pipe !== 'function') {
      return Promise.reject(new InvalidArgumentError('invalid source: expected a Readable stream'))
    }
    return this.#op(() => this.#put(path, source, size, options))
  }

  // ── status and lifecycle ────────────────────────────────────────────────────────────────

  /** Every live server's `/__status` (PYME's `get_status`); unresponsive ones with `error`. */
  status (options: { readonly timeoutMs?: number } = {}): Promise<NodeStatus[]> {
    return this.#op(async () => {
      const servers = this.servers()
      const timeoutMs = options.timeoutMs ?? this.#opts.statusTimeoutMs
      return await Promise.all(servers.map(async (server): Promise<NodeStatus> => {
        try {
          const raw = await this.#nodes.client(server).status({ timeoutMs, signal: this.#abort.signal })
          return describeStatus(server, raw)
        } catch (err) {
          return { server, responsive: false, error: this.#failed(server, err).error }
        }
      }))
    })
  }

  /** Waits for running calls, then closes connections (and the directory if this client started it). Idempotent. */
  close (): Promise<void> {
    if (this.#ending !== null) return this.#ending
    this.#state = 'closing'
    this.#ending = (async () => {
      if (this.#ops > 0) await new Promise<void>((resolve) => { this.#drained = resolve })
      await this.#nodes.close()
      if (this.#ownsDir) await this.#dir.close()
    })()
    return this.#ending
  }

  /** Aborts running calls (they reject with DestroyedError) and closes everything. Idempotent. */
  destroy (): Promise<void> {
    if (this.#state === 'destroyed') return this.#ending ?? Promise.resolve()
    this.#state = 'destroyed'
    this.#abort.abort(new DestroyedError('cluster client destroyed'))
    this.#ending = (async () => {
      await this.#nodes.destroy()
      if (this.#ownsDir) await this.#dir.close()
    })()
    return this.#ending
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────

  async #op<T> (fn: () => Promise<T>): Promise<T> {
    if (this.#state === 'destroyed') throw new DestroyedError('cluster client destroyed')
    if (this.#state === 'closing') throw new ClosedError('cluster client closed')
    this.#ops++
    try {
      return await fn()
    } catch (err) {
      if (this.#abort.signal.aborted && !(err instanceof DestroyedError)) throw new DestroyedError('cluster client destroyed', { cause: err })
      throw err
    } finally {
      if (--this.#ops === 0 && this.#drained !== null) this.#drained()
    }
  }

  #checkServerfilter (serverfilter: string, uri: string): void {
    const cluster = this.cluster
    if (serverfilter === cluster) return
    if (serverfilter === '') {
      if (this.#opts.emptyServerfilter === 'connected') return
      if (cluster === '' && this.#match === 'substring') return
      throw new InvalidUriError(`'${uri}' has the empty serverfilter, which means every cluster (emptyServerfilter: 'all'); this client is connected to cluster '${cluster}'`)
    }
    throw new InvalidUriError(`'${uri}' names cluster '${serverfilter}', but this client is connected to cluster '${cluster}'`)
  }

  #resolve (input: string, mode: 'read' | 'write'): ClusterPath {
    if (typeof input !== 'string') throw new InvalidArgumentError('invalid path: expected a string')
    let raw = input
    if (isClusterUri(input)) {
      const uri = parseClusterUri(input)
      this.#checkServerfilter(uri.serverfilter, input)
      raw = uri.path
    }
    return mode === 'write' ? parseWritePath(raw) : parseReadPath(raw)
  }

  #fileName (input: string, mode: 'read' | 'write'): string {
    const p = this.#resolve(input, mode)
    if (p.isDirectory) throw new InvalidNameError(`'${input}' names a directory, not a file`)
    return p.path
  }

  async #live (): Promise<readonly DataServerInfo[]> {
    let now = this.#dir.servers()
    if (now.length === 0) now = await this.#dir.waitForServers({ timeoutMs: this.#opts.discoveryTimeoutMs })
    for (const s of now) if (this.#seen.get(s.url) !== s) this.#seen.set(s.url, s)
    return now
  }

  #failed (server: DataServerInfo, err: unknown): NodeFailure {
    const error = asPymeError(err)
    debug('cluster: %s failed: %s', server.url, error.message)
    if (failureChannel.hasSubscribers) failureChannel.publish({ server, error })
    if ((error instanceof NodeUnreachableError || error instanceof OperationTimeoutError) && this.#state === 'open') {
      // Let discovery drop a dead server now rather than at its next periodic probe.
      this.#dir.reprobe(server.url).catch(() => {})
    }
    return { server, error }
  }

  #strict (g: Gathered, options: { readonly strict?: boolean }, what: string): void {
    if (options.strict !== true || g.failures.length === 0) return
    const first = g.failures[0] as NodeFailure
    throw new NodeUnreachableError(`${what} is incomplete: ${g.failures.map((f) => f.error.message).join('; ')}`, { cause: first.error })
  }

  #listNode (server: DataServerInfo, dir: string, fresh: boolean): Promise<CachedListing> {
    if (!fresh) {
      const c = this.#listings.fresh(server.url, dir)
      if (c !== undefined) return Promise.resolve(c)
    }
    const k = `${server.url}\u0000${dir}`
    const running = this.#inflight.get(k)
    if (running !== undefined) return running
    const p = (async () => {
      const t0 = performance.now()
      const { listing, dropped } = await this.#nodes.client(server).list(dir, {
        timeoutMs: this.#opts.listTimeoutMs, maxBytes: this.#opts.maxListingBytes, signal: this.#abort.signal
      })
      if (dropped > 0) debug('cluster: %s listed %d unsafe names in %s/ (dropped)', server.url, dropped, dir)
      return this.#listings.store(server.url, dir, listing, performance.now() - t0)
    })().finally(() => { this.#inflight.delete(k) })
    this.#inflight.set(k, p)
    return p
  }

  async #gather (dir: string, fresh: boolean): Promise<Gathered> {
    const servers = await this.#live()
    const settled = await Promise.allSettled(servers.map((s) => this.#listNode(s, dir, fresh)))
    const failures: NodeFailure[] = []
    const listings = settled.map((r, i) => {
      if (r.status === 'fulfilled') return r.value
      failures.push(this.#failed(servers[i] as DataServerInfo, r.reason))
      return null
    })
    if (failures.length === servers.length) {
      const msg = `no data server of cluster '${this.cluster}' answered the listing of '${dir}/': ${failures.map((f) => f.error.message).join('; ')}`
      const cause = (failures[0] as NodeFailure).error
      if (failures.every((f) => f.error instanceof OperationTimeoutError)) throw new OperationTimeoutError(msg, { cause })
      if (failures.every((f) => f.error instanceof DestroyedError)) throw cause
      throw new NodeUnreachableError(msg, { cause })
    }
    return { servers, listings, failures }
  }

  #merge (dir: string, g: Gathered): Map<string, MergedEntry> {
    const urls = g.servers.map((s) => s.url).join(' ')
    const memo = this.#memo.get(dir)
    if (memo !== undefined && memo.urls === urls && memo.refs.every((r, i) => r === g.listings[i] && (r === null || r.version === memo.versions[i]))) {
      return memo.merged
    }
    const merged = mergeListings(g.listings.map((l) => l?.listing ?? null))
    this.#memo.set(dir, { urls, refs: g.listings, versions: g.listings.map((l) => l?.version ?? 0), merged })
    return merged
  }

  #entry (dir: string, key: string, m: MergedEntry, servers: readonly DataServerInfo[]): DirectoryEntry {
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
   * The entry `path` (as a file, or as a directory) from its parent's listing. A miss in
   * cached listings is confirmed with fresh ones (another client may just have written it).
   */
  async #lookup (path: string, directory: boolean): Promise<DirectoryEntry | undefined> {
    const [dir, base] = splitClusterPath(path)
    const key = directory ? `${base}/` : base
    for (const fresh of [false, true]) {
      const g = await this.#gather(dir, fresh)
      const m = this.#merge(dir, g).get(key)
      if (m !== undefined && (!directory || m.flags > 0)) return this.#entry(dir, key, m, g.servers)
    }
    return undefined
  }

  async #locate (path: string, fresh: boolean): Promise<{ hits: Hit[], failures: NodeFailure[] }> {
    const servers = await this.#live()
    const [dir, base] = splitClusterPath(path)
    if (!fresh) {
      const known = this.#locations.get(path)
      if (known !== undefined) {
        const hits = servers.filter((s) => known.includes(s.url)).map((s) => ({ server: s, costMs: this.#listings.peek(s.url, dir)?.durationMs ?? 0 }))
        if (hits.length > 0) return { hits, failures: [] }
      }
    }
    for (const force of fresh ? [true] : [false, true]) {
      const failures: NodeFailure[] = []
      const found = await Promise.all(servers.map(async (server): Promise<Hit | null> => {
        const seen = force ? undefined : this.#listings.peek(server.url, dir)
        if (seen?.listing.has(base) === true) return { server, costMs: seen.durationMs }
        try {
          const c = await this.#listNode(server, dir, force)
          return c.listing.has(base) ? { server, costMs: c.durationMs } : null
        } catch (err) {
          failures.push(this.#failed(server, err))
          return null
        }
      }))
      const hits = found.filter((h): h is Hit => h !== null)
      // Cheapest first; a stable sort keeps server order (local first) among equals.
      hits.sort((a, b) => a.costMs - b.costMs)
      if (hits.length > 0) {
        this.#locations.set(path, hits.map((h) => h.server.url))
        return { hits, failures }
      }
      if (force) {
        // Known to be on servers that have left the live set: unreachable, not missing.
        for (const url of this.#locations.peek(path) ?? []) {
          const gone = this.#seen.get(url)
          if (gone !== undefined && !servers.includes(gone)) {
            failures.push({ server: gone, error: new NodeUnreachableError(`${url} holds '${path}' but does not answer`) })
          }
        }
        return { hits, failures }
      }
    }
    /* c8 ignore next */
    return { hits: [], failures: [] }
  }

  async #localPath (path: string): Promise<string | undefined> {
    const { hits } = await this.#locate(path, false)
    for (const hit of hits) {
      const root = await this.#roots.rootOf(hit.server, this.#nodes.client(hit.server))
      if (root === null) continue
      const opened = await openLocalFile(root, path)
      if (opened === null) continue
      await opened.handle.close()
      return opened.realPath
    }
    return undefined
  }

  /**
   * Runs `read` on the file's locations until one succeeds: local servers first, then the
   * cheapest. Re-locates with fresh listings after a 404 (stale cache) and, when servers
   * failed, after `retryDelayMs`, up to `retries` attempts.
   */
  async #fromLocations<T> (path: string, options: GetOptions,
    read: (server: DataServerInfo, expectedSize: number | undefined, local: boolean) => Promise<T>): Promise<T> {
    this.#checkGetOptions(options)
    const retries = options.retries ?? this.#opts.getRetries
    const bypass = options.localBypass ?? this.#opts.localBypass
    const [dir, base] = splitClusterPath(path)
    let last: PymeError | undefined
    for (let attempt = 0; attempt < retries; attempt++) {
      const { hits, failures } = await this.#locate(path, attempt > 0)
      if (hits.length === 0) {
        if (failures.length === 0) {
          // Found earlier in this call on a server that then failed (and left the live set):
          // the file exists, it cannot be read now.
          if (last !== undefined && !(last instanceof NotFoundError)) throw last
          throw new NotFoundError(`'${path}' does not exist on any data server of cluster '${this.cluster}'`)
        }
        last = new NodeUnreachableError(`'${path}' is not on the data servers that answered, and ${failures.length} did not answer: ${failures.map((f) => f.error.message).join('; ')}`, { cause: failures[0]?.error })
      } else {
        const ordered = bypass ? [...hits.filter((h) => h.server.local), ...hits.filter((h) => !h.server.local)] : hits
        const errors: PymeError[] = []
        for (const { server } of ordered) {
          const expected = this.#listings.peek(server.url, dir)?.listing.get(base)?.[1]
          try {
            return await read(server, expected, bypass && server.local)
          } catch (err) {
            if (err instanceof DestroyedError) throw err
            if (err instanceof NotFoundError) {
              this.#locations.delete(path)
              this.#listings.forget(server.url, dir)
              errors.push(err)
              continue
            }
            errors.push(this.#failed(server, err).error)
          }
        }
        const allTimeouts = errors.every((e): boolean => e instanceof OperationTimeoutError)
        const allGone = errors.every((e): boolean => e instanceof NotFoundError)
        last = allTimeouts
          ? new OperationTimeoutError(`reading '${path}': ${errors.map((e) => e.message).join('; ')}`, { cause: errors[0] })
          : allGone
            ? new NotFoundError(`'${path}' is gone from the servers that listed it`, { cause: errors[0] })
            : errors.find((e): boolean => !(e instanceof NotFoundError))
        // A 404 means a stale listing: look again at once, without the pause.
        if (allGone) continue
      }
      if (attempt + 1 < retries && this.#opts.retryDelayMs > 0) {
        await sleep(this.#opts.retryDelayMs, undefined, { signal: this.#abort.signal }).catch(() => {
          throw new DestroyedError('cluster client destroyed')
        })
      }
    }
    throw last as PymeError
  }

  #checkGetOptions (options: GetOptions): void {
    const { retries, timeoutMs } = options
    if (retries !== undefined && (!Number.isInteger(retries) || retries < 1)) throw new InvalidArgumentError('invalid retries: expected an integer >= 1')
    if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1)) throw new InvalidArgumentError('invalid timeoutMs: expected an integer >= 1')
  }

  async #checkNew (path: string, dir: string, base: string): Promise<void> {
    const exists = (where: string): AlreadyExistsError =>
      new AlreadyExistsError(`'${path}' already exists in cluster '${this.cluster}' (${where})`)
    const known = this.#locations.peek(path)
    if (known !== undefined && known.length > 0) throw exists(`on ${known.join(', ')}`)
    for (const s of this.#dir.servers()) {
      const seen = this.#listings.peek(s.url, dir)?.listing
      if (seen?.has(base) === true || seen?.has(`${base}/`) === true) throw exists(`listed by ${s.url}`)
    }
    if (this.#opts.existenceCheck !== 'cluster') return
    const g = await this.#gather(dir, true)
    if (g.failures.length > 0) {
      throw new NodeUnreachableError(`cannot check that '${path}' is new: ${g.failures.map((f) => f.error.message).join('; ')}`, { cause: g.failures[0]?.error })
    }
    const merged = this.#merge(dir, g)
    if (merged.has(base) || merged.has(`${base}/`)) throw exists('listed by a server')
  }

  async #put (path: string, body: Uint8Array | Readable, size: number, options: PutOptions): Promise<PutResult> {
    const p = this.#fileName(path, 'write')
    const [dir, base] = splitClusterPath(p)
    await this.#checkNew(p, dir, base)
    const servers = await this.#live()
    const timeoutMs = options.timeoutMs ?? this.#opts.putTimeoutMs
    let pinned: DataServerInfo | undefined
    if (options.server !== undefined) {
      const want = options.server.endsWith('/') ? options.server : `${options.server}/`
      pinned = servers.find((s) => s.url === want)
      if (pinned === undefined) throw new InvalidArgumentError(`invalid server: ${options.server} is not a live server of cluster '${this.cluster}'`)
    }
    const excluded = new Set<string>()
    let last: PymeError | undefined
    for (let attempt = 0; attempt < this.#opts.putRetries; attempt++) {
      const server = pinned ?? this.#planner.pick(p, servers, excluded)
      if (server === undefined) break
      try {
        await this.#nodes.client(server).write(p, body, size, { timeoutMs, signal: this.#abort.signal })
      } catch (err) {
        if (err instanceof AlreadyExistsError) {
          this.#listings.forget(server.url, dir)
          throw new AlreadyExistsError(`'${p}' already exists in cluster '${this.cluster}' (on ${server.url})`, { cause: err })
        }
        if (err instanceof DestroyedError || err instanceof ClosedError) throw err
        last = this.#failed(server, err).error
        const resendable = body instanceof Uint8Array || !(body as Readable).readableDidRead
        if (pinned !== undefined || !isConnectFailure(err) || !resendable) throw last
        excluded.add(server.url)
        continue
      }
      this.#listings.recordWrite(server.url, p, size)
      this.#locations.set(p, [server.url])
      this.#files.delete(p)
      return { path: p, url: server.url + encodeClusterPath(p), server, size }
    }
    // The loop ends early only once every server was excluded after a failure.
    throw last as PymeError
  }
}

function num (v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

/** Picks the fields of a `/__status` object that are well-typed. */
function describeStatus (server: DataServerInfo, raw: Record<string, unknown>): NodeStatus {
  const disk = raw['Disk'] as Record<string, unknown> | undefined
  const cpu = raw['CPUUsage']
  const mem = raw['MemUsage']
  const text = (k: string): string | undefined => typeof raw[k] === 'string' ? raw[k] : undefined
  const out: { -readonly [K in keyof NodeStatus]: NodeStatus[K] } = { server, responsive: true, raw }
  const cluster = text('Cluster')
  const root = text('Root')
  const computerName = text('ComputerName')
  const uptime = text('Uptime')
  if (cluster !== undefined) out.cluster = cluster
  if (root !== undefined) out.root = root
  if (computerName !== undefined) out.computerName = computerName
  if (uptime !== undefined) out.uptime = uptime
  if (disk !== null && typeof disk === 'object') {
    const total = num(disk['total'])
    const used = num(disk['used'])
    const free = num(disk['free'])
    if (total !== undefined && used !== undefined && free !== undefined) out.disk = { total, used, free }
  }
  if (Array.isArray(cpu) && cpu.every((c) => num(c) !== undefined)) out.cpuUsage = cpu as number[]
  if (mem !== null && typeof mem === 'object' && !Array.isArray(mem)) {
    const m: Record<string, number> = {}
    for (const [k, v] of Object.entries(mem)) if (num(v) !== undefined) m[k] = v as number
    out.memUsage = m
  }
  return out
}
