/**
 * Client-side cache of per-server directory listings (PROTOCOL.md §5.2, §5.12).
 *
 * Freshness is PYME's: an entry is fresh for `ttlMs` (1 s), and an expired entry is still
 * used while its age is within `ttlMs` plus the duration of the request that fetched it
 * (a slow server is not asked again and again). Entries of any age still answer "does this
 * name exist?" (write-once: a name once seen stays). Bounded by directories and total names.
 *
 * Own writes are visible at once: `recordWrite` updates the cached listings of the file's
 * directory and of its ancestors, and keeps the names in an overlay for `ownWriteMs` that is
 * merged into listings fetched later, so a server whose own listing lags (PYME's 1 s JSON
 * cache) cannot hide a file from the client that wrote it.
 *
 *   key "<server url>\0<dir>" ─▶ { listing: Map<name, [flags, size]>, fetchedAt, durationMs }
 *   overlay "<server url>\0<dir>" ─▶ Map<name, { entry, at }>   (own writes, short-lived)
 */
import { splitClusterPath } from '../internal/cluster-path.js'
import { LruCache } from '../internal/lru-cache.js'
import { FileType, type NodeListing, type RawEntry } from './node-listing.js'

/** One cached listing. `listing` is empty when the server has no such directory (404). */
export interface CachedListing {
  readonly listing: NodeListing
  /** The server answered 200 (the directory exists there), or this client wrote into it. */
  exists: boolean
  readonly fetchedAt: number
  readonly durationMs: number
  /** Bumped on every in-place change (own writes). */
  version: number
}

export interface ListingCacheOptions {
  readonly ttlMs: number
  readonly maxDirs: number
  readonly maxNames: number
  readonly ownWriteMs: number
}

interface OverlayEntry {
  readonly entry: RawEntry
  readonly at: number
}

const key = (url: string, dir: string): string => `${url}\u0000${dir}`

export class ListingCache {
  readonly #ttlMs: number
  readonly #ownWriteMs: number
  readonly #cache: LruCache<string, CachedListing>
  readonly #overlay: LruCache<string, Map<string, OverlayEntry>>

  constructor (options: ListingCacheOptions) {
    this.#ttlMs = options.ttlMs
    this.#ownWriteMs = options.ownWriteMs
    this.#cache = new LruCache({ maxEntries: options.maxDirs, maxWeight: options.maxNames, weigh: (c) => c.listing.size + 1 })
    this.#overlay = new LruCache({ maxEntries: options.maxDirs, maxWeight: options.maxNames, weigh: (m) => m.size + 1 })
  }

  /** The cached listing, whatever its age. */
  peek (url: string, dir: string): CachedListing | undefined {
    return this.#cache.peek(key(url, dir))
  }

  /** The cached listing if PYME's freshness rule still allows using it. */
  fresh (url: string, dir: string, now = performance.now()): CachedListing | undefined {
    const c = this.#cache.get(key(url, dir))
    if (c === undefined) return undefined
    const age = now - c.fetchedAt
    return age <= this.#ttlMs + c.durationMs ? c : undefined
  }

  /** Stores a fetched listing (`null` = 404), merged with recent own writes. */
  store (url: string, dir: string, listing: NodeListing | null, durationMs: number, now = performance.now()): CachedListing {
    const k = key(url, dir)
    const map = listing ?? new Map<string, RawEntry>()
    const overlay = this.#overlay.peek(k)
    if (overlay !== undefined) {
      for (const [name, o] of overlay) {
        if (now - o.at > this.#ownWriteMs) {
          overlay.delete(name)
          continue
        }
        const have = map.get(name)
        if (have === undefined) map.set(name, [o.entry[0], o.entry[1]])
        else have[0] |= o.entry[0]
      }
      if (overlay.size === 0) this.#overlay.delete(k)
    }
    const cached: CachedListing = { listing: map, exists: listing !== null || map.size > 0, fetchedAt: now, durationMs, version: 0 }
    this.#cache.set(k, cached)
    return cached
  }

  /**
   * Records a file this client wrote to `url`: it shows in the cached listing of its directory,
   * and its directories show in their parents (with the series flags PYME derives from
   * `metadata.json` / `events.json`).
   */
  recordWrite (url: string, path: string, size: number, now = performance.now()): void {
    let [dir, base] = splitClusterPath(path)
    let entry: RawEntry = [FileType.NORMAL, size]
    for (;;) {
      this.#put(url, dir, base, entry, now)
      if (dir === '') break
      const [parent, name] = splitClusterPath(dir)
      let flags: number = FileType.DIRECTORY
      if (entry[0] === FileType.NORMAL && base === 'metadata.json') flags |= FileType.SERIES
      if (entry[0] === FileType.NORMAL && base === 'events.json') flags |= FileType.SERIES_COMPLETE
      entry = [flags, 1]
      base = `${name}/`
      dir = parent
    }
  }

  #put (url: string, dir: string, name: string, entry: RawEntry, now: number): void {
    const k = key(url, dir)
    let overlay = this.#overlay.get(k)
    if (overlay === undefined) {
      overlay = new Map()
      this.#overlay.set(k, overlay)
    }
    const o = overlay.get(name)
    overlay.set(name, { entry: o === undefined ? entry : [o.entry[0] | entry[0], o.entry[1]], at: now })
    this.#overlay.reweigh(k)
    const cached = this.#cache.peek(k)
    if (cached === undefined) return
    cached.exists = true
    const have = cached.listing.get(name)
    if (have === undefined) {
      cached.listing.set(name, [entry[0], entry[1]])
      this.#cache.reweigh(k)
    } else if ((have[0] | entry[0]) !== have[0]) {
      have[0] |= entry[0]
    } else {
      return
    }
    cached.version++
  }

  /** Drops the cached listing of one directory on one server (e.g. after a 404 for a listed file). */
  forget (url: string, dir: string): void {
    this.#cache.delete(key(url, dir))
  }

  clear (): void {
    this.#cache.clear()
    this.#overlay.clear()
  }
}
