/**
 * `ClusterStore`: the `SeriesStore` of a `ClusterBackend`: the files of one series put on the
 * data servers of a PYME cluster through a `Streamer` (PROTOCOL.md §6, §7.1).
 *
 * ```
 *   create()  Cluster.connect ─► union listing of <series>/ (fresh) ─► refuse an existing series
 *             └─► new Streamer (static servers, or following the Cluster's node directory)
 *   write()   frames ─► streamer.putFrameAsync(<series>/<name>, pixels, { index: n })
 *             metadata.json ─► streamer.putCopies: a copy on every node (the series opens
 *                              while any node is up)
 *             final_metadata.json, events.json ─► putCopies({ afterAll }): on every node, each
 *                              copy after every earlier file
 *   beginClose()  finalize() began: the Streamer's one deadline (closeTimeoutMs) starts now
 *   finish()  streamer.close(): every answer in, connections closed ─► the StreamReport
 * ```
 *
 * `placement` records which node stored each frame and each copy, for the report's list of
 * files on nodes that are down.
 *
 * The encoded bytes a backend hands to `write` are its own fresh buffers: they go to the
 * socket as they are (no copy) and are released on the server's answer.
 */
import { performance } from 'node:perf_hooks'
import { AlreadyExistsError, ClosedError, OperationTimeoutError, StoreFailedError } from '../errors.js'
import { Cluster } from '../cluster/cluster.js'
import type { ClusterOptions } from '../cluster/cluster-options.js'
import { joinClusterPath } from '../internal/cluster-path.js'
import { EVENTS_FILE, FINAL_METADATA_FILE, METADATA_FILE, parseFrameFileName } from '../internal/series-layout.js'
import type { PzfEncodeOptions } from '../pzf/encode-pzf.js'
import type { PzfPixels } from '../pzf/format.js'
import { giveBack, type PixelHandover } from '../streamer/frame-encoder.js'
import type { StreamReport } from '../streamer/stream-report.js'
import { Streamer } from '../streamer/streamer.js'
import type { StreamerOptions } from '../streamer/streamer-options.js'
import { SeriesPlacement } from './series-placement.js'
import type { SeriesStore } from './series-store.js'

/** Where the series goes: static servers, or a cluster (a connected `Cluster` or options to connect one). */
export type ClusterTarget =
  | { readonly kind: 'servers', readonly servers: readonly string[], readonly discoveryTimeoutMs: number }
  | { readonly kind: 'cluster', readonly cluster: Cluster | ClusterOptions }

/** Files written after every frame, with the Streamer's barrier (events.json is the completion marker). */
const LAST_FILES: ReadonlySet<string> = new Set([FINAL_METADATA_FILE, EVENTS_FILE])
/** Files every reader needs: a copy on every node of the series. */
const COPIED_FILES: ReadonlySet<string> = new Set([METADATA_FILE, FINAL_METADATA_FILE, EVENTS_FILE])

function isSeriesFile (name: string): boolean {
  return name === METADATA_FILE || name === EVENTS_FILE || parseFrameFileName(name) !== undefined
}

export class ClusterStore implements SeriesStore {
  readonly url: string
  /** Files are released by the Streamer on their answer; the backend may then reuse the memory. */
  readonly retains = false
  /** The series' cluster path. */
  readonly path: string
  readonly #target: ClusterTarget
  /** Streamer options without the server source (that comes from the target). */
  readonly #streamerOptions: Omit<StreamerOptions, 'servers' | 'cluster' | 'discovery'>
  #cluster: Cluster | null = null
  #ownsCluster = false
  #streamer: Streamer | null = null
  #finish: Promise<StreamReport | null> | null = null
  #state: 'open' | 'closed' | 'destroyed' = 'open'
  /** `path/`, joined once: `write` runs per frame. */
  readonly #prefix: string
  /** Which node stored each frame and copy. */
  readonly placement = new SeriesPlacement()
  /** Called with the Streamer once it exists (a backend forwards its events). */
  onStreamer: ((streamer: Streamer) => void) | null = null
  /** `performance.now()` when `beginClose()` was called, or -1. */
  #closeStartedAt = -1

  constructor (url: string, path: string, target: ClusterTarget, streamerOptions: Omit<StreamerOptions, 'servers' | 'cluster' | 'discovery'>) {
    this.url = url
    this.path = path
    const base = joinClusterPath(path)
    this.#prefix = base === '' ? '' : `${base}/`
    this.#target = target
    this.#streamerOptions = streamerOptions
  }

  /** The Streamer carrying the series (null before `create()`). */
  get streamer (): Streamer | null { return this.#streamer }

  /**
   * Connects, lists `<series>/` on every server (fresh) and refuses a series that already has
   * metadata.json, events.json or a frame (`AlreadyExistsError`), then starts the Streamer.
   * `NoServersError` when no server answers. May be called again after a failure.
   */
  async create (): Promise<void> {
    this.#assertOpen()
    const temporary = this.#target.kind === 'servers'
    const cluster = await this.#connect()
    try {
      this.#assertOpen()
      const listing = await cluster.listDirectory(this.path, { fresh: true })
      const existing = listing.entries.find((e) => !e.isDirectory && isSeriesFile(e.name))
      if (existing !== undefined) {
        throw new AlreadyExistsError(`series ${this.url} already exists (${existing.name} on ${existing.locations.join(', ')})`)
      }
      this.#assertOpen()
      if (this.#streamer === null) {
        const streamer = this.#target.kind === 'servers'
          ? new Streamer({ ...this.#streamerOptions, servers: this.#target.servers })
          : new Streamer({ ...this.#streamerOptions, discovery: cluster.directory })
        this.#streamer = streamer
        this.onStreamer?.(streamer)
        // finalize() began while the series was being created: its deadline runs from then.
        if (this.#closeStartedAt >= 0) streamer.beginClose(performance.now() - this.#closeStartedAt)
      }
    } finally {
      // Static servers: the cluster client is only needed for the check.
      if (temporary) await cluster.close()
    }
  }

  async #connect (): Promise<Cluster> {
    const target = this.#target
    if (target.kind === 'servers') {
      // Exactly these servers: no registry, no mDNS, no PYME_CLUSTER_SERVERS.
      return await Cluster.connect({
        servers: target.servers, registry: false, mdns: false, env: {}, probeIntervalMs: 60_000, discoveryTimeoutMs: target.discoveryTimeoutMs
      })
    }
    if (this.#cluster !== null) return this.#cluster
    if (target.cluster instanceof Cluster) {
      this.#cluster = target.cluster
      return target.cluster
    }
    const cluster = await Cluster.connect(target.cluster)
    if (this.#state !== 'open') {
      await cluster.destroy()
      this.#assertOpen()
    }
    this.#cluster = cluster
    this.#ownsCluster = true
    return cluster
  }

  #assertOpen (): void {
    if (this.#state === 'destroyed') throw new ClosedError(`store of ${this.url} was destroyed`)
    if (this.#state === 'closed') throw new ClosedError(`store of ${this.url} is closed`)
  }

  /** The close deadline starts now, or at `startedAt` (the backend's `finalize()` began); see `Streamer.beginClose`. */
  beginClose (startedAt = performance.now()): void {
    if (this.#closeStartedAt < 0) this.#closeStartedAt = startedAt
    this.#streamer?.beginClose(performance.now() - this.#closeStartedAt)
  }

  async write (name: string, data: Uint8Array, frameIndex?: number): Promise<void> {
    const streamer = this.#streamer
    if (streamer === null || this.#state !== 'open') throw new ClosedError(`store of ${this.url} is not open`)
    const path = this.#prefix + name
    if (COPIED_FILES.has(name)) {
      // A copy on every node, so the series opens while any node is up; PYME's union listing
      // shows one file. The last files go behind the barrier: the backend has already waited
      // for every frame, the barrier makes sure nothing put earlier is still unanswered. They
      // are sent even if frames failed: the series is then complete with the gaps recorded in
      // final_metadata.json, and the backend's finalize() rejects naming them.
      const last = LAST_FILES.has(name)
      try {
        this.placement.copied(name, await streamer.putCopies(path, data, last ? { afterAll: true, sendAnyway: true } : {}))
      } catch (err) {
        this.placement.copied(name, null, err as Error)
        throw err
      }
      return
    }
    // Returned, not awaited: this file must not hold `data` while it waits in the Streamer's
    // spill journal (it would then sit in memory outside the budget).
    return streamer.putAsync(path, data, frameIndex === undefined ? undefined : { index: frameIndex }).then((ack) => {
      if (frameIndex !== undefined) this.placement.frame(ack.node, frameIndex)
    })
  }

  /**
   * Hands frame pixels to the Streamer's `putFrame`: a raw frame is framed at once into reused
   * memory, other frames are staged and encoded on its worker pool, all within its memory
   * budget and overflow policy. Returned, not awaited (see `write`).
   */
  writeFrame (name: string, pixels: PzfPixels, frameIndex: number, encode: PzfEncodeOptions, handover: PixelHandover): Promise<number> {
    const streamer = this.#streamer
    if (streamer === null || this.#state !== 'open') {
      giveBack(handover, pixels)
      return Promise.reject(new ClosedError(`store of ${this.url} is not open`))
    }
    const hint = typeof handover === 'function' ? { index: frameIndex, encode, release: handover } : { index: frameIndex, encode, transfer: handover === 'transfer' }
    return streamer.putFrameAsync(this.#prefix + name, pixels, hint).then((ack) => {
      this.placement.frame(ack.node, frameIndex)
      return ack.bytes
    })
  }

  /** The Streamer's `preallocate`: the memory its `putFrame` copies raw frames into. */
  async preallocate (pixelBytes: number, count: number): Promise<number> {
    const streamer = this.#streamer
    if (streamer === null || this.#state !== 'open') throw new ClosedError(`store of ${this.url} is not open`)
    return await streamer.preallocate(pixelBytes, count)
  }

  /**
   * Closes the Streamer (waits for every answer) and resolves to its report, also when some
   * files failed (the backend accounts for them). Null when it never started. Idempotent.
   */
  finish (): Promise<StreamReport | null> {
    this.#finish ??= this.#finishStreamer()
    return this.#finish
  }

  async #finishStreamer (): Promise<StreamReport | null> {
    const streamer = this.#streamer
    if (streamer === null) return null
    try {
      return await streamer.close()
    } catch (err) {
      // The backend accounts for every file itself; the Streamer's report is what is wanted here.
      if ((err instanceof StoreFailedError || err instanceof OperationTimeoutError) && err.report !== undefined && 'nodes' in err.report) return err.report
      throw err
    }
  }

  async close (): Promise<void> {
    if (this.#state !== 'open') return
    try {
      await this.finish()
    } finally {
      this.#state = 'closed'
      const cluster = this.#cluster
      this.#cluster = null
      if (cluster !== null && this.#ownsCluster) await cluster.close()
    }
  }

  destroy (err?: Error): void {
    if (this.#state === 'destroyed') return
    this.#state = 'destroyed'
    this.#streamer?.destroy(err).catch(() => { /* the report only; every file already failed */ })
    const cluster = this.#cluster
    this.#cluster = null
    if (cluster !== null && this.#ownsCluster) cluster.destroy().catch(() => {})
  }
}
