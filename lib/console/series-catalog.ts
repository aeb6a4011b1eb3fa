/**
 * `SeriesCatalog`: the gateway's open series, one `SeriesReader` each (LRU), and what each is
 * now (`SeriesSnapshot`): its frame count, completeness, gaps, geometry and virtual TIFF.
 *
 * A complete series never changes again, so its snapshot is kept. A series still being written
 * is refreshed at most every `refreshMs`: a caller gets the last snapshot at once and a refresh
 * starts behind it (stale while revalidating), unless it asks for a fresh one. Concurrent
 * callers share one open and one refresh.
 */
import type { Cluster } from '../cluster/cluster.js'
import { formatClusterUri } from '../cluster/cluster-uri.js'
import { joinClusterPath } from '../internal/cluster-path.js'
import { LruCache } from '../internal/lru-cache.js'
import { checkOptionsObject, durationOption, integerOption, stringOption, type OptionKeys } from '../internal/options.js'
import { MAX_TIMER_MS } from '../internal/timer-limit.js'
import { readPzfHeader } from '../pzf/format.js'
import { frameFileName } from '../internal/series-layout.js'
import { SeriesReader } from '../series/series-reader.js'
import type { FrameGeometry } from './frame-pages.js'
import { seriesTiff, type SeriesTiff } from './series-tiff.js'

/** A series at one moment. */
export interface SeriesSnapshot {
  /** Cluster path of the series directory. */
  readonly path: string
  readonly reader: SeriesReader
  readonly complete: boolean
  /** `max(index) + 1` (see `SeriesReader.frameCount`). */
  readonly frameCount: number
  /** Frames `0..n-1` all present. */
  readonly contiguousFrames: number
  /** Indices below `frameCount` with no frame. */
  readonly missingCount: number
  /** The first frame's shape and type; null before the first frame exists. */
  readonly geometry: FrameGeometry | null
  /** `<series>.tif`; null while the series has no frame to show. */
  readonly tiff: SeriesTiff | null
  /** `Date.now()` when this snapshot was taken. */
  readonly takenAt: number
}

/** Options of `SeriesCatalog`. */
export interface SeriesCatalogOptions {
  /** Series kept open, 1 to 1000000. @default 256 */
  readonly maxSeries?: number
  /** How old a snapshot of a series being written may be before it is refreshed, ms. @default 1000 */
  readonly refreshMs?: number
  /** Passed to `SeriesReader` (how long the union listing may lag). @default 1000 */
  readonly settleMs?: number
  /** Text of the TIFF Software tag. @default 'pyme-cluster' */
  readonly software?: string
}

interface Entry {
  readonly opening: Promise<SeriesReader>
  snapshot: SeriesSnapshot | null
  refreshing: Promise<SeriesSnapshot> | null
  /** The TIFF built last, kept while the frame count does not change (same bytes, same tag and date). */
  tiff: SeriesTiff | null
}

const HEADER_BYTES = 64

const CATALOG_OPTION_KEYS = { maxSeries: true, refreshMs: true, settleMs: true, software: true } as const satisfies Record<keyof SeriesCatalogOptions, true> & OptionKeys

export class SeriesCatalog {
  readonly #cluster: Cluster
  readonly #entries: LruCache<string, Entry>
  readonly #refreshMs: number
  readonly #settleMs: number
  readonly #software: string

  constructor (cluster: Cluster, options: SeriesCatalogOptions) {
    checkOptionsObject(options, CATALOG_OPTION_KEYS)
    const maxSeries = integerOption(options.maxSeries, 'maxSeries', { min: 1, max: 1_000_000, default: 256 })
    const refreshMs = durationOption(options.refreshMs, 'refreshMs', { min: 0, max: MAX_TIMER_MS, default: 1000 })
    const settleMs = durationOption(options.settleMs, 'settleMs', { min: 0, max: 600_000, default: 1000 })
    this.#cluster = cluster
    this.#refreshMs = refreshMs
    this.#settleMs = settleMs
    this.#software = stringOption(options.software, 'software', 'pyme-cluster')
    // An evicted reader is not closed: a request may still be reading frames through it, and a
    // reader on the caller's cluster client holds nothing that closing would free.
    this.#entries = new LruCache({ maxEntries: maxSeries })
  }

  /** The last snapshot of a series already open (without looking again), or undefined. */
  peek (path: string): SeriesSnapshot | undefined {
    return this.#entries.peek(path)?.snapshot ?? undefined
  }

  /**
   * The series at `path` now (or as of at most `refreshMs` ago; `fresh` waits for a new look).
   * `NotFoundError` when `path` is not a series (no metadata.json).
   */
  async snapshot (path: string, options: { readonly fresh?: boolean } = {}): Promise<SeriesSnapshot> {
    let entry = this.#entries.get(path)
    if (entry === undefined) {
      const opening = SeriesReader.open(formatClusterUri(this.#cluster.cluster, path), { cluster: this.#cluster, settleMs: this.#settleMs })
      entry = { opening, snapshot: null, refreshing: null, tiff: null }
      this.#entries.set(path, entry)
      opening.catch(() => { if (this.#entries.peek(path) === entry) this.#entries.delete(path) })
    }
    const snap = entry.snapshot
    if (snap !== null && (snap.complete || Date.now() - snap.takenAt < this.#refreshMs)) return snap
    const refreshing = entry.refreshing ?? this.#refresh(path, entry)
    if (snap !== null && options.fresh !== true) {
      refreshing.catch(() => {})
      return snap
    }
    return await refreshing
  }

  #refresh (path: string, entry: Entry): Promise<SeriesSnapshot> {
    const run = (async (): Promise<SeriesSnapshot> => {
      const reader = await entry.opening
      const status = await reader.refresh()
      const prev = entry.snapshot
      let geometry = prev?.geometry ?? null
      const missing = status.complete ? reader.missingFrames : []
      if (geometry === null && status.frameCount > 0) {
        const first = status.contiguousFrames > 0 ? 0 : firstPresent(missing, status.frameCount)
        if (first !== undefined) geometry = await this.#geometry(path, first)
      }
      const frames = status.complete ? status.frameCount : status.contiguousFrames
      const missingCount = status.complete ? status.missingCount : 0
      let tiff = entry.tiff
      if (geometry !== null && frames > 0 && (tiff === null || tiff.frames !== frames || prev?.complete !== status.complete)) {
        tiff = seriesTiff(path, reader.metadata, geometry, frames, missingCount, this.#software, new Date())
      }
      if (frames === 0) tiff = null
      entry.tiff = tiff
      const snapshot: SeriesSnapshot = {
        path,
        reader,
        complete: status.complete,
        frameCount: status.frameCount,
        contiguousFrames: status.contiguousFrames,
        missingCount: status.missingCount,
        geometry,
        tiff,
        takenAt: Date.now()
      }
      entry.snapshot = snapshot
      return snapshot
    })()
    entry.refreshing = run
    run.then(() => { entry.refreshing = null }, () => { entry.refreshing = null })
    return run
  }

  /** The geometry of a series from its frame `index`'s PZF header (the first bytes only). */
  async #geometry (path: string, index: number): Promise<FrameGeometry> {
    const file = await this.#cluster.openFile(joinClusterPath(path, frameFileName(index)))
    const chunks: Buffer[] = []
    let length = 0
    try {
      for await (const chunk of file.stream) {
        chunks.push(chunk as Buffer)
        length += (chunk as Buffer).length
        if (length >= HEADER_BYTES) break
      }
    } finally {
      file.stream.destroy()
    }
    const h = readPzfHeader(Buffer.concat(chunks, length))
    return { width: h.width, height: h.height, depth: h.depth, dtype: h.dtype, dimOrder: h.dimOrder }
  }

  /** Closes every open reader (the cluster client is the caller's). */
  async close (): Promise<void> {
    const entries = [...this.#entries.keys()].map((k) => this.#entries.peek(k) as Entry)
    this.#entries.clear()
    await Promise.all(entries.map(async (e) => { await (await e.opening.catch(() => null))?.close() }))
  }
}

/** The first index below `count` that is not in the sorted `missing` list (which may be cut short). */
function firstPresent (missing: readonly number[], count: number): number | undefined {
  let i = 0
  while (i < missing.length && missing[i] === i) i++
  return i < count ? i : undefined
}
