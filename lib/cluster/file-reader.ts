/**
 * Reading files of the cluster (PROTOCOL.md §5.5–§5.7): the small-file cache, then each
 * location in turn (servers on this machine first, read from disk through the local bypass,
 * then the cheapest), re-locating with fresh listings after a 404 and, when servers failed,
 * after `retryDelayMs`, up to `retries` attempts. Errors say what happened: NotFoundError
 * (no server has it), OperationTimeoutError (those that have it did not answer in time),
 * NodeUnreachableError (they could not be reached).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { DestroyedError, InvalidNameError, NodeUnreachableError, NotFoundError, OperationTimeoutError, type PymeError } from '../errors.js'
import { booleanOption, checkOptionsObject, durationOption, integerOption } from '../internal/options.js'
import { MAX_TIMER_MS } from '../internal/timer-limit.js'
import type { DataServerInfo } from '../discovery/node-directory.js'
import { encodeClusterPath, splitClusterPath } from '../internal/cluster-path.js'
import type { ClusterContext } from './cluster-context.js'
import type { ClusterFileStream, GetOptions, NodeFailure } from './cluster-types.js'
import { openLocalFile, readLocalFile } from './local-file.js'
import { LocalRoots } from './local-roots.js'
import { LruCache } from '../internal/lru-cache.js'
import type { UnionListing } from './union-listing.js'

type ReadFn<T> = (server: DataServerInfo, expectedSize: number | undefined, local: boolean) => Promise<T>

export class FileReader {
  readonly #ctx: ClusterContext
  readonly #union: UnionListing
  readonly #roots: LocalRoots
  readonly #files: LruCache<string, Buffer>

  constructor (ctx: ClusterContext, union: UnionListing) {
    this.#ctx = ctx
    this.#union = union
    this.#roots = new LocalRoots(ctx.opts.localRoots, ctx.opts.statusTimeoutMs)
    this.#files = new LruCache({ maxEntries: ctx.opts.fileCacheEntries, maxWeight: ctx.opts.fileCacheBytes, weigh: (b) => b.length + 64 })
  }

  /** A whole file; small ones are kept (a copy) in the content cache. */
  async getFile (path: string, options: GetOptions): Promise<Buffer> {
    checkGetOptions(options)
    const useCache = options.cache !== false && this.#ctx.opts.fileCacheEntries > 0
    if (useCache) {
      const hit = this.#files.get(path)
      if (hit !== undefined) return Buffer.from(hit)
    }
    const timeoutMs = options.timeoutMs ?? this.#ctx.opts.getTimeoutMs
    const data = await this.#fromLocations(path, options, async (server, expected, local) => {
      if (local) {
        const root = await this.#roots.rootOf(server, this.#ctx.nodes.client(server))
        if (root !== null) {
          const buf = await readLocalFile(root, path)
          if (buf !== null && (expected === undefined || buf.length === expected)) return buf
        }
      }
      return await this.#ctx.nodes.client(server).read(path, { timeoutMs, signal: this.#ctx.signal })
    })
    if (useCache && data.length <= this.#ctx.opts.fileCacheMaxFileBytes) this.#files.set(path, Buffer.from(data))
    return data
  }

  /** A file as a stream (from disk for a local server's file). */
  async openFile (path: string, options: GetOptions): Promise<ClusterFileStream> {
    checkGetOptions(options)
    const timeoutMs = options.timeoutMs ?? this.#ctx.opts.getTimeoutMs
    return await this.#fromLocations(path, options, async (server, expected, local) => {
      if (local) {
        const root = await this.#roots.rootOf(server, this.#ctx.nodes.client(server))
        const opened = root === null ? null : await openLocalFile(root, path)
        if (opened !== null) {
          if (expected === undefined || opened.size === expected) {
            return { size: opened.size, stream: opened.handle.createReadStream({ start: 0 }), source: opened.realPath, local: true }
          }
          await opened.handle.close()
        }
      }
      const { size, body } = await this.#ctx.nodes.client(server).open(path, { timeoutMs, signal: this.#ctx.signal })
      return { size, stream: body, source: server.url + encodeClusterPath(path), local: false }
    })
  }

  /** The checked local path of a file on a server whose root is on this machine. */
  async localPath (path: string): Promise<string | undefined> {
    const { hits } = await this.#union.locate(path, false)
    for (const hit of hits) {
      const root = await this.#roots.rootOf(hit.server, this.#ctx.nodes.client(hit.server))
      if (root === null) continue
      const opened = await openLocalFile(root, path)
      if (opened === null) continue
      await opened.handle.close()
      return opened.realPath
    }
    return undefined
  }

  /** Forgets a cached content (the file was just written by us: it cannot have been cached, but be exact). */
  forget (path: string): void {
    this.#files.delete(path)
  }

  async #fromLocations<T> (path: string, options: GetOptions, read: ReadFn<T>): Promise<T> {
    const ctx = this.#ctx
    const retries = options.retries ?? ctx.opts.getRetries
    const bypass = options.localBypass ?? ctx.opts.localBypass
    const [dir, base] = splitClusterPath(path)
    let last: PymeError | undefined
    for (let attempt = 0; attempt < retries; attempt++) {
      const { hits, failures, holders, silent } = await this.#union.locate(path, attempt > 0)
      if (hits.length === 0) {
        if (failures.length === 0) {
          // Found earlier in this call on a server that then failed (and left the live set):
          // the file exists, it cannot be read now.
          if (last !== undefined && !(last instanceof NotFoundError)) throw last
          // Servers that do not answer were probed by discovery: say so at once, without retries.
          if (holders.length > 0 || silent.length > 0) throw unreachable(path, holders, silent)
          throw await this.#notFound(path)
        }
        const others = [...failures, ...holders, ...silent]
        last = new NodeUnreachableError(`'${path}' is not on the data servers that answered, and ${others.length} did not answer: ${others.map((f) => f.error.message).join('; ')}`, { cause: failures[0]?.error })
      } else {
        const ordered = bypass ? [...hits.filter((h) => h.server.local), ...hits.filter((h) => !h.server.local)] : hits
        const errors: PymeError[] = []
        for (const { server } of ordered) {
          const expected = ctx.listings.peek(server.url, dir)?.listing.get(base)?.[1]
          try {
            return await read(server, expected, bypass && server.local)
          } catch (err) {
            if (err instanceof DestroyedError) throw err
            if (err instanceof NotFoundError) {
              ctx.locations.delete(path)
              ctx.listings.forget(server.url, dir)
              errors.push(err)
              continue
            }
            errors.push(ctx.failed(server, err).error)
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
      if (attempt + 1 < retries && ctx.opts.retryDelayMs > 0) {
        await sleep(ctx.opts.retryDelayMs, undefined, { signal: ctx.signal }).catch(() => {
          throw new DestroyedError('cluster client destroyed')
        })
      }
    }
    throw last as PymeError
  }

  /** Every server answered and none has the file: say so, or that the name is a directory. */
  async #notFound (path: string): Promise<PymeError> {
    const where = this.#ctx.where()
    if (await this.#union.lookup(path, 'directory').catch(() => undefined) !== undefined) {
      return new InvalidNameError(`'${path}' is a directory in ${where}, not a file`)
    }
    return new NotFoundError(`'${path}' does not exist in ${where} (every data server answered)`)
  }
}

/**
 * A file no answering server lists, while some servers do not answer: on one known to hold it
 * ("is on <server>, which is not answering"), or possibly on any of them.
 */
function unreachable (path: string, holders: readonly NodeFailure[], silent: readonly NodeFailure[]): NodeUnreachableError {
  const holder = holders[0]
  if (holder !== undefined) return new NodeUnreachableError(holder.error.message, { cause: holder.error })
  const n = silent.length
  return new NodeUnreachableError(`'${path}' is not on any answering server; ${n} server${n === 1 ? '' : 's'} not answering: ${silent.map((f) => f.server.url).join(', ')}`, { cause: silent[0]?.error })
}

const GET_OPTION_KEYS = { timeoutMs: true, retries: true, cache: true, localBypass: true } as const satisfies Record<keyof GetOptions, true>

function checkGetOptions (options: GetOptions): void {
  checkOptionsObject(options, GET_OPTION_KEYS)
  integerOption(options.retries, 'retries', { min: 1, max: Number.MAX_SAFE_INTEGER, default: undefined })
  durationOption(options.timeoutMs, 'timeoutMs', { min: 1, max: MAX_TIMER_MS, default: undefined })
  booleanOption(options.cache, 'cache', undefined)
  booleanOption(options.localBypass, 'localBypass', undefined)
}
