/**
 * `H5AggregateStore`: the store of `ClusterBackend` with `aggregate: 'h5'`, PYME's
 * `cluster_h5` (PROTOCOL.md §7.7, docs/hdf5.md): every file of the series goes to one data
 * server, under `__aggregate_h5/<series>.h5/`, which appends it to the HDF5 file
 * `<series>.h5` in PYME's layout.
 *
 * ```
 *   create()  connect ─► <series>.h5 exists anywhere? AlreadyExistsError
 *             ─► pick one server (at random, as PYME) ─► a ClusterStore on that server alone,
 *                writing to __aggregate_h5/<series>.h5/<name>
 *   write()   as ClusterStore (frames pipelined, events.json after every frame's answer)
 * ```
 */
import { performance } from 'node:perf_hooks'
import { AlreadyExistsError, ClosedError, NoServersError } from '../errors.js'
import { Cluster } from '../cluster/cluster.js'
import type { PzfEncodeOptions } from '../pzf/encode-pzf.js'
import type { PzfPixels } from '../pzf/format.js'
import { giveBack, type PixelHandover } from '../streamer/frame-encoder.js'
import type { StreamReport } from '../streamer/stream-report.js'
import type { Streamer } from '../streamer/streamer.js'
import type { StreamerOptions } from '../streamer/streamer-options.js'
import { ClusterStore, type ClusterTarget } from './cluster-store.js'
import type { SeriesPlacement } from './series-placement.js'
import type { SeriesStore } from './series-store.js'

/** The endpoint prefix PYME's cluster_h5 writes to. */
export const AGGREGATE_H5_PREFIX = '__aggregate_h5'

export class H5AggregateStore implements SeriesStore {
  readonly url: string
  /** As the cluster store: memory comes back once a file is answered. */
  readonly retains = false
  /** The series' cluster path (the `.h5` file). */
  readonly path: string
  readonly #target: ClusterTarget
  readonly #streamerOptions: Omit<StreamerOptions, 'servers' | 'cluster' | 'discovery'>
  #inner: ClusterStore | null = null
  #state: 'open' | 'closed' | 'destroyed' = 'open'
  #closeStartedAt = -1
  /** Called with the Streamer once it exists (a backend forwards its events). */
  onStreamer: ((streamer: Streamer) => void) | null = null

  constructor (url: string, path: string, target: ClusterTarget, streamerOptions: Omit<StreamerOptions, 'servers' | 'cluster' | 'discovery'>) {
    this.url = url
    this.path = path
    this.#target = target
    this.#streamerOptions = streamerOptions
  }

  /** The Streamer carrying the series (null before `create()`). */
  get streamer (): Streamer | null { return this.#inner?.streamer ?? null }

  /** Where the files went (null before `create()`). */
  get placement (): SeriesPlacement | null { return this.#inner?.placement ?? null }

  /** The close deadline starts now (see `ClusterStore.beginClose`). */
  beginClose (): void {
    if (this.#closeStartedAt < 0) this.#closeStartedAt = performance.now()
    this.#inner?.beginClose(this.#closeStartedAt)
  }

  /** Refuses an existing `<series>.h5`, picks the server, starts the Streamer. */
  async create (): Promise<void> {
    if (this.#state !== 'open') throw new ClosedError(`store of ${this.url} is not open`)
    const target = this.#target
    const timeout = target.kind === 'servers' ? target.discoveryTimeoutMs : 5000
    const given = target.kind === 'cluster' && target.cluster instanceof Cluster ? target.cluster : undefined
    const cluster = given ?? (target.kind === 'servers'
      ? await Cluster.connect({ servers: target.servers, registry: false, mdns: false, env: {}, probeIntervalMs: 60_000, discoveryTimeoutMs: timeout })
      : await Cluster.connect(target.cluster as Exclude<typeof target.cluster, Cluster>))
    let server: string
    try {
      if (await cluster.exists(this.path)) throw new AlreadyExistsError(`series ${this.url} already exists`)
      const servers = cluster.servers()
      if (servers.length === 0) throw new NoServersError(`no data server to write ${this.url} to`)
      server = (servers[Math.floor(Math.random() * servers.length)] as (typeof servers)[number]).url
    } finally {
      if (given === undefined) await cluster.close()
    }
    const inner = new ClusterStore(this.url, `${AGGREGATE_H5_PREFIX}/${this.path}`, { kind: 'servers', servers: [server], discoveryTimeoutMs: timeout }, this.#streamerOptions)
    inner.onStreamer = this.onStreamer
    if (this.#closeStartedAt >= 0) inner.beginClose(this.#closeStartedAt)
    this.#inner = inner
    await inner.create()
  }

  write (name: string, data: Uint8Array, frameIndex?: number): Promise<void> {
    if (this.#inner === null || this.#state !== 'open') return Promise.reject(new ClosedError(`store of ${this.url} is not open`))
    return this.#inner.write(name, data, frameIndex)
  }

  writeFrame (name: string, pixels: PzfPixels, frameIndex: number, encode: PzfEncodeOptions, handover: PixelHandover): Promise<number> {
    if (this.#inner === null || this.#state !== 'open') {
      giveBack(handover, pixels)
      return Promise.reject(new ClosedError(`store of ${this.url} is not open`))
    }
    return this.#inner.writeFrame(name, pixels, frameIndex, encode, handover)
  }

  /** As the cluster store's: the memory raw frames are copied into, made before they come. */
  async preallocate (pixelBytes: number, count: number): Promise<number> {
    if (this.#inner === null || this.#state !== 'open') throw new ClosedError(`store of ${this.url} is not open`)
    return await this.#inner.preallocate(pixelBytes, count)
  }

  /** Closes the Streamer and resolves to its report (null if it never started). */
  finish (): Promise<StreamReport | null> {
    return this.#inner?.finish() ?? Promise.resolve(null)
  }

  async close (): Promise<void> {
    if (this.#state !== 'open') return
    this.#state = 'closed'
    await this.#inner?.close()
  }

  destroy (err?: Error): void {
    if (this.#state === 'destroyed') return
    this.#state = 'destroyed'
    this.#inner?.destroy(err)
  }
}
