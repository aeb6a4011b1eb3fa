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
import type { Readable } from 'node:stream'
import { ClosedError, DestroyedError, InvalidArgumentError, InvalidNameError, InvalidUriError, NodeUnreachableError, NotFoundError } from '../errors.js'
import type { DataServerInfo, NodeDirectory } from '../discovery/node-directory.js'
import { discoveryOptionsOf, startDiscovery } from '../discovery/start-discovery.js'
import { compareNames, encodeClusterPath, joinClusterPath, parseReadPath, parseWritePath, type ClusterPath } from '../internal/cluster-path.js'
import type { ClusterMatch } from '../internal/service-name.js'
import { ClusterContext } from './cluster-context.js'
import { resolveClusterOptions, type ClusterOptions, type ResolvedClusterOptions } from './cluster-options.js'
import type {
  ClusterFileStream, DirectoryEntry, DirectoryListing, FileLocation, GetOptions, ListOptions, NodeFailure, NodeStatus, PutOptions, PutResult, WalkStep
} from './cluster-types.js'
import { isClusterUri, parseClusterUri } from './cluster-uri.js'
import { FileReader } from './file-reader.js'
import { FileWriter } from './file-writer.js'
import type { MergedEntry } from './listing-merge.js'
import { FileType } from './node-listing.js'
import { describeStatus, serverInfo, silentStatus } from './node-status.js'
import { UnionListing, type Gathered } from './union-listing.js'

export class Cluster {
  readonly #ctx: ClusterContext
  readonly #union: UnionListing
  readonly #reader: FileReader
  readonly #writer: FileWriter
  readonly #ownsDir: boolean
  readonly #match: ClusterMatch
  readonly #abort = new AbortController()
  #state: 'open' | 'closing' | 'destroyed' = 'open'
  #ops = 0
  #drained: (() => void) | null = null
  #ending: Promise<void> | null = null

  private constructor (dir: NodeDirectory, ownsDir: boolean, opts: ResolvedClusterOptions, match: ClusterMatch) {
    this.#ctx = new ClusterContext(dir, opts, this.#abort.signal)
    this.#union = new UnionListing(this.#ctx)
    this.#reader = new FileReader(this.#ctx, this.#union)
    this.#writer = new FileWriter(this.#ctx, this.#union)
    this.#ownsDir = ownsDir
    this.#match = match
  }

  /**
   * Starts discovery (or uses `options.directory`) and resolves once `minServers` servers
   * answer; `NoServersError` (saying where it looked) when none do in `discoveryTimeoutMs`.
   */
  static async connect (options: ClusterOptions = {}): Promise<Cluster> {
    const opts = resolveClusterOptions(options)
    const given = options.directory
    const dir = given ?? await startDiscovery(discoveryOptionsOf(options))
    try {
      await dir.waitForServers({ timeoutMs: opts.discoveryTimeoutMs, min: opts.minServers })
    } catch (err) {
      if (given === undefined) await dir.close()
      throw err
    }
    return new Cluster(dir, given === undefined, opts, options.serverfilter?.match ?? 'exact')
  }

  /** The cluster name (serverfilter) this client is connected to. */
  get cluster (): string { return this.#ctx.cluster }

  /**
   * The serverfilter of the `PYME-CLUSTER://` URIs this client names files by: the cluster
   * name, or `''` (`PYME-CLUSTER:///path`, as `ClusterBackend.getURL()` writes it) when the
   * servers were given without a cluster name.
   */
  get serverfilter (): string { return this.#ctx.opts.scope === 'servers' ? '' : this.#ctx.cluster }

  /** The node directory in use (live servers, 'add'/'remove' events). */
  get directory (): NodeDirectory { return this.#ctx.dir }

  /** The live data servers, local first. */
  servers (): readonly DataServerInfo[] { return this.#ctx.dir.servers() }

  // ── listings ────────────────────────────────────────────────────────────────────────────

  /** Merged listing of a directory: names with flags, sizes and locations (§5.3). */
  listDirectory (path: string, options: ListOptions = {}): Promise<DirectoryListing> {
    return this.#op(async () => {
      const { dir, g, merged, keys, exists } = await this.#names(path, options)
      const entries = keys.map((key) => this.#union.entry(dir, key, merged.get(key) as MergedEntry, g.servers))
      return { path: dir, exists, entries, unreachable: [...g.failures, ...g.silent] }
    })
  }

  /** PYME's `listdir`: sorted names, directories with a trailing `/`. */
  listdir (path: string, options: ListOptions = {}): Promise<string[]> {
    return this.#op(async () => [...(await this.#names(path, options)).keys])
  }

  /** The merged, sorted listing keys of `path` (directories end in `/`), without entry objects. */
  async #names (path: string, options: ListOptions): Promise<{ dir: string, g: Gathered, merged: Map<string, MergedEntry>, keys: readonly string[], exists: boolean }> {
    const dir = this.#resolve(path, 'read').path
    const g = await this.#union.gather(dir, options.fresh === true)
    this.#strict(g, options, `the listing of '${dir}/'`)
    const { merged, keys } = this.#union.sorted(dir, g)
    const exists = dir === '' || g.listings.some((l) => l?.exists === true)
    return { dir, g, merged, keys, exists }
  }

  /** True for the root and for names listed as `<name>/` with flags in their parent (§5.4). */
  isdir (path: string): Promise<boolean> {
    return this.#op(async () => {
      const p = this.#resolve(path, 'read').path
      if (p === '') return true
      return (await this.#union.lookup(p, 'directory')) !== undefined
    })
  }

  /** True when the file can be located or the directory exists. */
  exists (path: string): Promise<boolean> {
    return this.#op(async () => {
      const p = this.#resolve(path, 'read').path
      if (p === '') return true
      return (await this.#union.lookup(p, 'either')) !== undefined
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
      const found = await this.#union.lookup(p, 'either')
      if (found === undefined) throw new NotFoundError(`'${p}' does not exist in ${this.#ctx.where()}`)
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
      const listing = await this.#op(async () => await this.#names(dir, options))
      if (first && !listing.exists) throw new NotFoundError(`'${root}' is not a directory in ${this.#ctx.where()}`)
      first = false
      const directories: string[] = []
      const files: string[] = []
      for (const key of listing.keys) {
        if (key.endsWith('/')) directories.push(key.slice(0, -1))
        else files.push(key)
      }
      yield { path: dir, directories, files, unreachable: [...listing.g.failures, ...listing.g.silent] }
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
      const ctx = this.#ctx
      const servers = await ctx.live()
      const results = await Promise.allSettled(servers.map((s) =>
        ctx.nodes.client(s).glob(pat, { timeoutMs: ctx.opts.globTimeoutMs, signal: ctx.signal })))
      const out = new Set<string>()
      const failures: NodeFailure[] = []
      results.forEach((r, i) => {
        const server = servers[i] as DataServerInfo
        if (r.status === 'rejected') {
          failures.push(ctx.failed(server, r.reason))
          return
        }
        for (const p of r.value) {
          // Confined on our side too: a server's answer becomes a path only if it is one.
          try {
            const clean = parseReadPath(p).path
            if (clean !== '') out.add(clean)
          } catch {}
        }
      })
      this.#strict({ servers, listings: [], failures, silent: this.#union.silent(servers) }, options, `glob '${pattern}'`)
      return [...out].sort(compareNames)
    })
  }

  // ── locating and reading ────────────────────────────────────────────────────────────────

  /** Where a file is, cheapest first; `[]` when no server lists it (§5.5). */
  locateFile (path: string, options: { readonly fresh?: boolean } = {}): Promise<FileLocation[]> {
    return this.#op(async () => {
      const p = this.#fileName(path, 'read')
      const { hits } = await this.#union.locate(p, options.fresh === true)
      return hits.map((h) => ({ url: h.server.url + encodeClusterPath(p), server: h.server, costMs: h.costMs }))
    })
  }

  /** True when the file is on a server whose root is on this machine (it would be read from disk). */
  isLocal (path: string): Promise<boolean> {
    return this.#op(async () => (await this.#reader.localPath(this.#fileName(path, 'read'))) !== undefined)
  }

  /** The local path of a file on a server whose root is on this machine, after the containment check. */
  getLocalPath (path: string): Promise<string | undefined> {
    return this.#op(async () => await this.#reader.localPath(this.#fileName(path, 'read')))
  }

  /**
   * Reads a whole file. Tries each location (local bypass first); `NotFoundError` when no server
   * has it, `OperationTimeoutError` when the servers that have it do not answer within
   * `timeoutMs`, `NodeUnreachableError` when they cannot be reached. Never a truncated file.
   */
  getFile (path: string, options: GetOptions = {}): Promise<Buffer> {
    return this.#op(async () => await this.#reader.getFile(this.#fileName(path, 'read'), options))
  }

  /** Opens a file as a stream (for large files); errors as `getFile`. Consume or destroy the stream. */
  openFile (path: string, options: GetOptions = {}): Promise<ClusterFileStream> {
    return this.#op(async () => await this.#reader.openFile(this.#fileName(path, 'read'), options))
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

  /**
   * Every server discovery knows of (PYME's `get_status`): each live server's `/__status`, and
   * `responsive: false` with `error` for one whose status request failed or that was announced
   * (registry row, static list, mDNS) but does not answer a connection at all.
   */
  status (options: { readonly timeoutMs?: number } = {}): Promise<NodeStatus[]> {
    return this.#op(async () => {
      const ctx = this.#ctx
      const timeoutMs = options.timeoutMs ?? ctx.opts.statusTimeoutMs
      return await Promise.all(ctx.dir.known().map(async (known): Promise<NodeStatus> => {
        if (!known.answering) return silentStatus(known)
        const server = serverInfo(known)
        try {
          return describeStatus(server, await ctx.nodes.client(server).status({ timeoutMs, signal: ctx.signal }))
        } catch (err) {
          return { server, responsive: false, error: ctx.failed(server, err).error }
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
      this.#ctx.stopReprobing()
      await this.#ctx.nodes.close()
      if (this.#ownsDir) await this.#ctx.dir.close()
    })()
    return this.#ending
  }

  /** Aborts running calls (they reject with DestroyedError) and closes everything. Idempotent. */
  destroy (): Promise<void> {
    if (this.#state === 'destroyed') return this.#ending ?? Promise.resolve()
    this.#state = 'destroyed'
    this.#ctx.stopReprobing()
    this.#abort.abort(new DestroyedError('cluster client destroyed'))
    this.#ending = (async () => {
      await this.#ctx.nodes.destroy()
      if (this.#ownsDir) await this.#ctx.dir.close()
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

  async #put (path: string, body: Uint8Array | Readable, size: number, options: PutOptions): Promise<PutResult> {
    const p = this.#fileName(path, 'write')
    const result = await this.#writer.put(p, body, size, options)
    this.#reader.forget(p)
    return result
  }

  #checkServerfilter (serverfilter: string, uri: string): void {
    const cluster = this.cluster
    if (serverfilter === cluster) return
    if (serverfilter === '') {
      if (this.#ctx.opts.emptyServerfilter === 'connected') return
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

  #strict (g: Gathered, options: { readonly strict?: boolean }, what: string): void {
    const all = [...g.failures, ...g.silent]
    if (options.strict !== true || all.length === 0) return
    const first = all[0] as NodeFailure
    throw new NodeUnreachableError(`${what} is incomplete: ${all.map((f) => f.error.message).join('; ')}`, { cause: first.error })
  }
}
