/**
 * `ClusterBackend`: an acquisition series streamed to the data servers of a PYME cluster, laid
 * out exactly as PYME's `ClusterBackend` writes it (PROTOCOL.md §7) and readable by PYME's
 * `ClusterPZFDataSource` and by `SeriesReader.open('PYME-CLUSTER://…')`.
 *
 * ```
 *  storeFrame(n, pixels[, release]) ─► Streamer.putFrameAsync(<series>/frame%05d.pzf, { index: n })
 *        │    raw: header + one copy, or none (allocateFrame() memory, lent or given up); Huffman: worker
 *        │  false = wait ('drain' / ready())                                      │
 *        │                                                                        │
 *        └──── window: maxPendingFrames / maxPendingBytes ◄──── server's 200 ◄────┘
 *  finalize() ─ every frame answered ─► final_metadata.json ─► events.json (a copy on every node,
 *             each after every frame) ─► Streamer.close() ─► { ...BackendReport, stream, copies, unreachable }
 * ```
 *
 * One deadline: `streamer.closeTimeoutMs` from the call of `finalize()`/`close()`. Frames still
 * waiting (for an answer, or for a node when every node is down) fail at the deadline less a
 * reserve; final_metadata.json and events.json are then still sent, so a series on a node that
 * answers is completed with its gaps recorded; at the deadline `finalize()` rejects with
 * `OperationTimeoutError` naming every file not stored. metadata.json, final_metadata.json and
 * events.json go to every node of the series, so it opens while any node is up.
 *
 * Differences from PYME, all on the side of not losing data: a frame counts as stored only
 * when a server answered 200 (PYME counts it when queued); events.json, the completion
 * marker, is sent only after every frame was answered (PYME may publish it first); an existing
 * series is refused; every frame carries a random 53-bit `SequenceID` = `imageID` (PYME's is
 * always 0); frames that could not be stored anywhere are named in a `StoreFailedError`.
 *
 * Default distribution: PYMEAcquire's `'chunked'` (`floor(n / 50) mod N`), so runs of 50
 * frames share a server, which PYME's analysis uses for data locality. PYME's bare
 * `ClusterBackend` default (a random server per file) is `distribution: 'random'`.
 */
import { InvalidArgumentError, OperationTimeoutError, StoreFailedError } from '../errors.js'
import { Cluster } from '../cluster/cluster.js'
import type { ClusterOptions } from '../cluster/cluster-options.js'
import { durationOption } from '../internal/options.js'
import { MAX_TIMER_MS } from '../internal/timer-limit.js'
import { formatClusterUri } from '../cluster/cluster-uri.js'
import { resolveDefaultCluster } from '../discovery/default-cluster.js'
import { parseWritePath } from '../internal/cluster-path.js'
import type { DistributionFn, DistributionName } from '../streamer/distribution.js'
import type { StreamReport, StreamStats } from '../streamer/stream-report.js'
import type { Streamer } from '../streamer/streamer.js'
import { resolveStreamerOptions, type OverflowPolicy, type StreamerOptions } from '../streamer/streamer-options.js'
import { frameFileName } from '../internal/series-layout.js'
import type { BackendReport, BackendStats } from './backend.js'
import { ClusterStore, type ClusterTarget } from './cluster-store.js'
import { H5AggregateStore } from './h5-aggregate-store.js'
import { checkBackendOptions, type SeriesBackendOptions } from './series-backend-options.js'
import { SeriesBackend } from './series-backend.js'
import { storeError } from './store-error.js'
import type { CopyReport, UnreachableFiles } from './series-placement.js'

const TUNING_KEYS = ['pipelining', 'connections', 'windowBytes', 'spillDir', 'spillLimit', 'ackTimeoutMs', 'maxAttempts', 'closeTimeoutMs', 'backoff'] as const

/** Streamer settings a `ClusterBackend` passes through (see `StreamerOptions`). */
export type ClusterStreamerTuning = Pick<StreamerOptions, typeof TUNING_KEYS[number]>

/** Options of `new ClusterBackend(seriesName, options)`. */
export interface ClusterBackendOptions extends SeriesBackendOptions {
  /**
   * Data servers (`http://host:port/`), used exactly as given (no discovery). Give this or
   * `cluster`, not both.
   */
  readonly servers?: readonly string[]
  /**
   * The cluster: a name (servers found by mDNS and PYME's host-local registry), options for
   * `Cluster.connect`, or a connected `Cluster` (left open by the backend).
   * @default resolveDefaultCluster() (PYME_CLUSTER, PYME's dataserver-filter, the computer name), when `servers` is not given
   */
  readonly cluster?: string | ClusterOptions | Cluster
  /**
   * The serverfilter of `getURL()`.
   * @default the cluster name; `''` (PYME-CLUSTER:///…) with `servers`
   */
  readonly serverfilter?: string
  /** Which server each file goes to (Streamer distribution). @default 'chunked' (PYMEAcquire: floor(n / chunkSize) mod N) */
  readonly distribution?: DistributionName | DistributionFn
  /** Frames per block of the `'chunked'` distribution. @default 50 */
  readonly chunkSize?: number
  /** What the Streamer does with a file that does not fit in `memoryBudget`. @default 'block' */
  readonly overflow?: OverflowPolicy
  /** Encoded bytes the Streamer holds at most (queued, in flight). @default min(1 GiB, RAM / 4) */
  readonly memoryBudget?: number
  /**
   * How long `initialize()` waits for a data server to answer, ms (for `servers` and a
   * cluster name; `Cluster` options carry their own `discoveryTimeoutMs`).
   * @default 5000
   */
  readonly discoveryTimeoutMs?: number
  /** Further Streamer settings (pipelining, connections, timeouts, spill journal). @default {} */
  readonly streamer?: ClusterStreamerTuning
  /**
   * `'h5'`: PYME's `cluster_h5` (what PYMEAcquire uses with exactly one data server): every
   * file goes to one server under `__aggregate_h5/`, which appends it to the HDF5 file
   * `seriesName` (ending in `.h5`) in PYME's layout (docs/hdf5.md). @default undefined (a series folder)
   */
  readonly aggregate?: 'h5'
}

/** What `finalize()` / `close()` of a `ClusterBackend` resolve to. */
export interface ClusterBackendReport extends BackendReport {
  /** The Streamer's report (per node, retries, re-routes, drops); null if it never started. */
  readonly stream: StreamReport | null
  /** metadata.json, final_metadata.json, events.json: the nodes that stored a copy, and those that did not (and why). */
  readonly copies: readonly CopyReport[]
  /**
   * Files on a node that was down (or had left the cluster) when the report was made, and on no
   * node that was up: readable again once the node is back. Empty when every file is on a node that is up.
   */
  readonly unreachable: readonly UnreachableFiles[]
}

/** `stats()` of a `ClusterBackend`. */
export interface ClusterBackendStats extends BackendStats {
  /** The Streamer's live state (queues, bytes in flight, nodes); null before `initialize()`. */
  readonly stream: StreamStats | null
}


function seriesPath (name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new InvalidArgumentError('invalid seriesName: expected a cluster path such as \'jdoe/2024_5_1/1_5_series_A.pcs\'')
  const p = parseWritePath(name)
  if (p.path === '') throw new InvalidArgumentError('invalid seriesName: it names the cluster root')
  return p.path
}

interface ResolvedTarget {
  readonly target: ClusterTarget
  readonly serverfilter: string
  readonly streamerOptions: Omit<StreamerOptions, 'servers' | 'cluster' | 'discovery'>
}

const CLUSTER_BACKEND_OPTION_KEYS = {
  servers: true, cluster: true, serverfilter: true, distribution: true, chunkSize: true, overflow: true,
  memoryBudget: true, discoveryTimeoutMs: true, streamer: true, aggregate: true
} as const satisfies Record<Exclude<keyof ClusterBackendOptions, keyof SeriesBackendOptions>, true>

function resolveTarget (options: ClusterBackendOptions): ResolvedTarget {
  const tuning = options.streamer ?? {}
  if (typeof tuning !== 'object' || tuning === null) throw new InvalidArgumentError('invalid streamer: expected Streamer settings')
  const unknown = Object.keys(tuning).find((k) => !(TUNING_KEYS as readonly string[]).includes(k))
  if (unknown !== undefined) throw new InvalidArgumentError(`invalid streamer.${unknown}: a ClusterBackend sets it itself, or it is not a Streamer option`)
  const streamerOptions: Omit<StreamerOptions, 'servers' | 'cluster' | 'discovery'> = {
    ...tuning,
    distribution: options.distribution ?? 'chunked',
    ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
    ...(options.overflow === undefined ? {} : { overflow: options.overflow }),
    ...(options.memoryBudget === undefined ? {} : { memoryBudget: options.memoryBudget })
  }
  const { servers, cluster } = options
  const timeout = durationOption(options.discoveryTimeoutMs, 'discoveryTimeoutMs', { min: 0, max: MAX_TIMER_MS, default: 5000 })
  if (servers !== undefined && cluster !== undefined) throw new InvalidArgumentError('invalid servers: give servers or cluster, not both')
  let target: ClusterTarget
  let name: string
  if (servers !== undefined) {
    // Validates every option now (servers included), so a bad one fails the constructor.
    const resolved = resolveStreamerOptions({ ...streamerOptions, servers })
    target = { kind: 'servers', servers: resolved.servers, discoveryTimeoutMs: timeout }
    name = ''
  } else {
    resolveStreamerOptions({ ...streamerOptions, cluster: 'validation' })
    if (cluster instanceof Cluster) {
      target = { kind: 'cluster', cluster }
      name = cluster.cluster
    } else if (typeof cluster === 'string' || cluster === undefined) {
      name = resolveDefaultCluster(cluster === undefined ? {} : { cluster })
      target = { kind: 'cluster', cluster: { cluster: name, discoveryTimeoutMs: timeout } }
    } else if (typeof cluster === 'object' && cluster !== null) {
      name = resolveDefaultCluster({
        ...(cluster.cluster === undefined ? {} : { cluster: cluster.cluster }),
        ...(cluster.env === undefined ? {} : { env: cluster.env })
      })
      target = { kind: 'cluster', cluster: { ...cluster, cluster: name } }
    } else {
      throw new InvalidArgumentError('invalid cluster: expected a cluster name, Cluster options or a Cluster')
    }
  }
  const serverfilter = options.serverfilter ?? name
  if (typeof serverfilter !== 'string') throw new InvalidArgumentError('invalid serverfilter: expected a string')
  return { target, serverfilter, streamerOptions }
}

/** An acquisition series on a PYME cluster; see the file comment and `Backend`. */
export class ClusterBackend extends SeriesBackend {
  /** The series' cluster path. */
  readonly seriesName: string
  readonly #store: ClusterStore | H5AggregateStore
  #base: Promise<BackendReport> | null = null
  #final: Promise<ClusterBackendReport> | null = null

  /**
   * @param seriesName cluster path of the series (PYME's rule for names; no suffix imposed;
   *   PYMEAcquire uses `<user>/<yyyy>_<m>_<d>/<d>_<m>_series_<X>.pcs`)
   * @throws InvalidArgumentError / InvalidNameError naming the bad option
   */
  constructor (seriesName: string, options: ClusterBackendOptions) {
    const path = seriesPath(seriesName)
    checkBackendOptions(options, CLUSTER_BACKEND_OPTION_KEYS)
    const { target, serverfilter, streamerOptions } = resolveTarget(options)
    let url: string
    try {
      url = formatClusterUri(serverfilter, path)
    } catch (err) {
      throw new InvalidArgumentError(`invalid serverfilter '${serverfilter}': ${(err as Error).message}`, { cause: err })
    }
    if (options.aggregate !== undefined && (options.aggregate !== 'h5' || !path.endsWith('.h5'))) {
      throw new InvalidArgumentError(options.aggregate === 'h5' ? 'invalid seriesName: aggregate \'h5\' needs a name ending in .h5' : 'invalid aggregate: expected \'h5\'')
    }
    // Frames go to the Streamer as pixels (its putFrame encodes them): the per-frame PZF options
    // carry everything, and the backend's `pool` option becomes the Streamer's encoder.
    const pool = options.pool ?? true
    const encoding = pool === false ? { encoderThreads: 0 } : pool === true ? {} : { encoderPool: pool }
    const withEncoder = { ...streamerOptions, filter: { pzf: {} }, ...encoding }
    const store = options.aggregate === 'h5'
      ? new H5AggregateStore(url, path, target, withEncoder)
      : new ClusterStore(url, path, target, withEncoder)
    super(store, options)
    this.seriesName = path
    this.#store = store
    // The Streamer's view of the nodes, on the backend: when every node is gone, and when one is back.
    store.onStreamer = (streamer) => {
      for (const event of ['node-down', 'node-up', 'all-nodes-down'] as const) {
        streamer.on(event, (e: unknown) => { this.emit(event, e) })
      }
    }
  }

  /** The Streamer carrying the series (for its events and `stats()`); null before `initialize()`. */
  get streamer (): Streamer | null { return this.#store.streamer }

  /**
   * Waits for every frame to be answered, sends final_metadata.json and then events.json
   * (the completion marker, behind the Streamer's barrier, a copy on every node), closes the
   * Streamer, and resolves to the backend's report with the Streamer's, within one deadline
   * (`streamer.closeTimeoutMs` from this call). Rejects with `OperationTimeoutError` when the
   * deadline ended some file, else `StoreFailedError`, when any file could not be stored
   * (`failed` names each, the full report attached). Idempotent.
   */
  override finalize (): Promise<ClusterBackendReport> {
    const base = super.finalize()
    if (base !== this.#base || this.#final === null) {
      this.#base = base
      this.#final = this.#withStream(base)
    }
    return this.#final
  }

  async #withStream (base: Promise<BackendReport>): Promise<ClusterBackendReport> {
    let report: BackendReport
    try {
      report = await base
    } catch (err) {
      if (!(err instanceof StoreFailedError || err instanceof OperationTimeoutError) || err.report === undefined || !('sequenceId' in err.report)) throw err
      throw storeError(await this.#full(err.report), err)
    }
    return await this.#full(report)
  }

  /** The backend's report with the Streamer's, the copies, and the files on nodes that are down now. */
  async #full (report: BackendReport): Promise<ClusterBackendReport> {
    const stream = await this.#store.finish()
    const placement = this.#store.placement
    const states = new Map(Object.entries(stream?.nodes ?? {}).map(([url, n]) => [url, n.state]))
    return { ...report, stream, copies: placement?.copies ?? [], unreachable: placement?.unreachable(states, frameFileName) ?? [] }
  }

  /** Finalizes (if initialized and not yet finalized), then releases the Streamer and the cluster client. */
  override async close (): Promise<ClusterBackendReport> {
    const report = await super.close()
    return 'stream' in report ? report as ClusterBackendReport : await this.#full(report)
  }

  override stats (): ClusterBackendStats {
    return { ...super.stats(), stream: this.#store.streamer?.stats() ?? null }
  }
}
