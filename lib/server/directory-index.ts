/**
 * Directory listings (PROTOCOL.md §3.5): `{"name": [flags, size], "dir/": [flags, count]}`,
 * kept in memory per directory so that listing a 100,000-file series is a cache hit and
 * PUTs into it stay cheap.
 *
 *   LruCache<dir key, Listing>          bounded by directories and by total entries
 *     Listing
 *       entries: Map<key, [flags, size]>   built from disk, then kept current by this
 *                                          server's own writes (after the final link only)
 *       json:    Buffer | undefined        serialised once, dropped on change
 *       mtimeNs, checkedAt, builtAt        re-validation of changes made behind our back
 *
 * Re-validation: within `ttl` of the last check the cached listing is served; after that the
 * directory's mtime is compared with the one seen when it was built, and the listing is
 * rebuilt if it changed (or after `maxAge` in any case, which also refreshes the flags and
 * counts of sub-directories). Both grow with the cost of the last build, so a huge
 * directory is re-read at most every few seconds. Large directories are read on a worker
 * thread (directory-scanner.ts) and taken over in slices, so concurrent PUTs do not stall.
 *
 * Steady-state values as PYME computes them without its `countdir` helper: directory size =
 * entry count, `.h5` files flagged SERIES; `countdirCompat` adds PYME's `+2` and 0x06.
 * Server-owned names (`.pyme-*`: temp files, markers) are never listed.
 */
import { stat } from 'node:fs/promises'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { ListingFlags, fileFlags, scanDirectory, type ScanOptions, type ScanResult } from './directory-scan.js'
import { DirectoryScanner } from './directory-scanner.js'
import { LruCache } from '../internal/lru-cache.js'
import type { RootFs } from './root-fs.js'

type Entry = [flags: number, size: number]

export interface DirectoryIndexOptions {
  readonly countdirCompat: boolean
  /** Directories kept in memory. */
  readonly maxDirectories: number
  /** Entries kept in memory over all directories (the directory being listed always stays). */
  readonly maxEntries: number
  /** Shortest re-validation interval, ms. */
  readonly minTtlMs: number
  /** Rebuild at least this often (while listed), ms. */
  readonly minMaxAgeMs: number
  /** Remove upload temp files of dead server processes while scanning (see directory-scan.ts). */
  readonly sweepStaleTemp?: boolean
}

const BATCH_MS = 4
/**
 * Directories whose inode is larger than this (ext4: some 1,500 entries; tmpfs: 3,000) are
 * read on the worker thread; smaller ones inline (a few milliseconds at most).
 */
const WORKER_DIR_BYTES = 64 * 1024

class Listing {
  readonly entries = new Map<string, Entry>()
  mtimeNs = -1n
  builtAt = 0
  checkedAt = 0
  ttl = 0
  maxAge = 0
  json: Buffer | undefined = undefined
  /** Bumped on every change of `entries`. */
  version = 0
  /** Entries of this listing counted in the index's total (none while it is being built). */
  counted = 0
  /** Set while the listing is being read from disk; own updates wait in `pending`. */
  ready: Promise<void> | undefined = undefined
  pending: Array<(l: Listing) => void> | undefined = undefined

  /**
   * The JSON text, built in slices that yield to the event loop (a big listing is MBs). It
   * describes the entries as they were when it started; it is kept for later requests only
   * if nothing changed meanwhile.
   */
  async serialize (): Promise<Buffer> {
    if (this.json !== undefined) return this.json
    const version = this.version
    const rows = [...this.entries]
    const parts: string[] = []
    let sliceStart = performance.now()
    for (let i = 0; i < rows.length; i++) {
      const [key, e] = rows[i] as [string, Entry]
      parts.push(`${JSON.stringify(key)}:[${e[0]},${e[1]}]`)
      if ((i & 1023) === 1023 && performance.now() - sliceStart > BATCH_MS) {
        await yieldToLoop()
        sliceStart = performance.now()
      }
    }
    const json = Buffer.from(`{${parts.join(',')}}`)
    if (this.version === version) this.json = json
    return json
  }
}

function keyOf (segments: readonly string[]): string {
  return segments.join('/')
}

export class DirectoryIndex {
  readonly #opts: DirectoryIndexOptions
  readonly #cache: LruCache<string, Listing>
  readonly #scanner = new DirectoryScanner()
  readonly #scanOptions: ScanOptions
  #total = 0

  constructor (fs: RootFs, options: DirectoryIndexOptions) {
    this.#opts = options
    this.#scanOptions = { realRoot: fs.realRoot, countdirCompat: options.countdirCompat, sweepStaleTemp: options.sweepStaleTemp === true }
    // A listing evicted while it is still being built was never counted: subtract what was.
    this.#cache = new LruCache({ maxEntries: options.maxDirectories, onEvict: (_k, l) => { this.#uncount(l) } })
  }

  /** Entries held in memory (for tests and status). */
  get cachedEntries (): number { return this.#total }

  /** Stops the scan worker. */
  close (): Promise<void> {
    return this.#scanner.close()
  }

  /** The serialised listing of the directory `segments` whose real path is `real`. */
  async listing (segments: readonly string[], real: string): Promise<Buffer> {
    const key = keyOf(segments)
    for (let attempt = 0; attempt < 3; attempt++) {
      const cached = this.#cache.get(key)
      if (cached?.ready !== undefined) {
        await cached.ready
        if (this.#cache.peek(key) === cached) return await cached.serialize()
        continue
      }
      if (cached !== undefined && await this.#fresh(cached, real)) return await cached.serialize()
      const fresh = this.#startBuild(key, real)
      await fresh.ready
      return await fresh.serialize()
    }
    // Evicted three times while waiting: build one just for this request.
    const once = new Listing()
    await this.#build(once, real)
    return await once.serialize()
  }

  async #fresh (l: Listing, real: string): Promise<boolean> {
    const now = performance.now()
    if (now - l.checkedAt < l.ttl) return true
    let mtime: bigint
    try {
      mtime = (await stat(real, { bigint: true })).mtimeNs
    } catch {
      return false
    }
    if (mtime === l.mtimeNs && now - l.builtAt < l.maxAge) {
      l.checkedAt = now
      return true
    }
    return false
  }

  #startBuild (key: string, real: string): Listing {
    const old = this.#cache.peek(key)
    if (old !== undefined) {
      this.#cache.delete(key)
      this.#uncount(old)
    }
    const l = new Listing()
    l.pending = []
    this.#cache.set(key, l)
    l.ready = this.#build(l, real).then(() => {
      const ops = l.pending ?? []
      l.pending = undefined
      for (const op of ops) op(l)
      if (ops.length > 0) {
        l.json = undefined
        l.version++
      }
      l.ready = undefined
      if (this.#cache.peek(key) === l) {
        this.#count(l)
        this.#trim()
      }
    }, (err: unknown) => {
      l.ready = undefined
      l.pending = undefined
      if (this.#cache.peek(key) === l) this.#cache.delete(key)
      throw err
    })
    return l
  }

  // Evicts least recently used listings while over the entry budget (a request that holds
  // an evicted listing still answers from it).
  #trim (): void {
    while (this.#total > this.#opts.maxEntries && this.#cache.size > 1) this.#cache.evictOldest()
  }

  // Applies an own update to a cached listing now, or after the build in progress.
  #update (segments: readonly string[], op: (l: Listing) => void): void {
    const l = this.#cache.peek(keyOf(segments))
    if (l === undefined) return
    if (l.pending !== undefined) {
      l.pending.push(op)
      return
    }
    op(l)
    l.json = undefined
    l.version++
    this.#count(l)
  }

  #count (l: Listing): void {
    this.#total += l.entries.size - l.counted
    l.counted = l.entries.size
  }

  #uncount (l: Listing): void {
    this.#total -= l.counted
    l.counted = 0
  }

  async #build (l: Listing, real: string): Promise<void> {
    const started = performance.now()
    // mtime first: a change while reading then shows as a mismatch at the next check.
    const st = await stat(real, { bigint: true })
    l.mtimeNs = st.mtimeNs
    let scan: ScanResult
    if (st.size > WORKER_DIR_BYTES) {
      try {
        scan = await this.#scanner.scan(real, this.#scanOptions)
      } catch (err) {
        // A file-system error is the answer; a failed worker is not: read it here instead.
        if ((err as NodeJS.ErrnoException).code !== undefined) throw err
        scan = scanDirectory(real, this.#scanOptions)
      }
    } else {
      scan = scanDirectory(real, this.#scanOptions)
    }
    const keys = scan.count === 0 ? [] : scan.keys.split('\0')
    let sliceStart = performance.now()
    for (let i = 0; i < keys.length; i++) {
      l.entries.set(keys[i] as string, [scan.flags[i] as number, scan.sizes[i] as number])
      if ((i & 1023) === 1023 && performance.now() - sliceStart > BATCH_MS) {
        await yieldToLoop()
        sliceStart = performance.now()
      }
    }
    l.json = Buffer.from(scan.json)
    const now = performance.now()
    const cost = now - started
    l.builtAt = now
    l.checkedAt = now
    l.ttl = Math.max(this.#opts.minTtlMs, cost * 20)
    l.maxAge = Math.max(this.#opts.minMaxAgeMs, cost * 50)
  }

  /**
   * A file was committed (linked into place) or an aggregate file grew. `created` is true
   * when the name is new to its directory.
   */
  fileWritten (dir: readonly string[], name: string, size: number, created: boolean): void {
    const flags = fileFlags(name, this.#opts.countdirCompat)
    this.#update(dir, (l) => { l.entries.set(name, [flags, size]) })
    if (created) this.#childAdded(dir, name)
  }

  /** A directory was created by a PUT. */
  directoryCreated (parent: readonly string[], name: string): void {
    const initial = this.#opts.countdirCompat ? 2 : 0
    this.#update(parent, (l) => {
      if (!l.entries.has(`${name}/`)) l.entries.set(`${name}/`, [ListingFlags.DIRECTORY, initial])
    })
    this.#childAdded(parent, `${name}/`)
  }

  // The entry of `dir` in its parent's listing gains one child (and maybe series flags).
  #childAdded (dir: readonly string[], child: string): void {
    if (dir.length === 0) return
    const parent = dir.slice(0, -1)
    const base = `${dir[dir.length - 1] as string}/`
    this.#update(parent, (l) => {
      const e = l.entries.get(base)
      if (e === undefined) return
      e[1]++
      if (child === 'metadata.json') e[0] |= ListingFlags.SERIES
      else if (child === 'events.json') e[0] |= ListingFlags.SERIES_COMPLETE
    })
  }
}
