/**
 * What the fault suite's controller (`run.ts`, scenarios) and its client processes
 * (`acquire-main.ts`, `resume-main.ts`, `verify-main.ts`) say to each other: one JSON config
 * as the only argument, JSON lines on stdout while running, one JSON result file at the end.
 *
 *   controller ──config (argv)──► client ──progress / hold lines (stdout)──► controller
 *              ◄──────────── result file (`out`) when it exits 0 ──────────┘
 *              ──"\n" on stdin──► releases a hold
 */

import type { StreamReport } from '../../lib/streamer/stream-report.js'

/** The frames of a series: `width x height` uint16 camera frames from `seed` (`fault-frames.ts`). */
export interface SeriesSpec {
  readonly series: string
  readonly frames: number
  readonly width: number
  readonly height: number
  readonly seed: number
  /** imageID = PZF SequenceID; fixed so a resuming client encodes the very same bytes. */
  readonly sequenceId: number
}

/** A large file uploaded slowly next to the series (scenario 6: the PUT in flight when the client dies). */
export interface BigFileSpec {
  /** Cluster path. */
  readonly path: string
  readonly bytes: number
  readonly seed: number
  /** Data server it goes to (`http://host:port/`). */
  readonly server: string
  /** Upload pace, bytes per second (0 = as fast as possible). */
  readonly bytesPerSecond: number
  /** Frame count at which the acquiring client starts it. */
  readonly atFrame: number
}

/** Config of `acquire-main.ts`: one series through `ClusterBackend`. */
export interface AcquireConfig extends SeriesSpec {
  /** Static data servers; also the fallback when mDNS finds fewer than all of them. */
  readonly servers: readonly string[]
  /** Try mDNS first (cluster name, interface of the client's namespace). */
  readonly mdns?: { readonly cluster: string, readonly interface: string, readonly timeoutMs: number }
  /** Camera pace, frames per second (0 = as fast as the backend takes them). */
  readonly fps: number
  readonly memoryBudget: number
  readonly overflow: 'block' | 'drop' | 'spill'
  readonly spillDir?: string
  readonly ackTimeoutMs: number
  readonly backoffMaxMs: number
  readonly maxPendingFrames: number
  /** Pixel bytes waiting to be encoded (the backend's `maxPendingBytes`). */
  readonly maxPendingBytes: number
  /** Frame counts at which the client stops and waits for a line on stdin. */
  readonly holds: readonly number[]
  readonly progressMs: number
  readonly bigFile?: BigFileSpec
  /** Result file. */
  readonly out: string
}

/** Config of `resume-main.ts`: a second client finishing a series the first one left. */
export interface ResumeConfig extends SeriesSpec {
  readonly servers: readonly string[]
  readonly bigFile?: BigFileSpec
  readonly ackTimeoutMs: number
  readonly out: string
}

/** Config of `verify-main.ts`: read-back of series and a serving check of every node. */
export interface VerifyConfig {
  readonly servers: readonly string[]
  readonly series: readonly SeriesSpec[]
  readonly bigFile?: BigFileSpec
  /** Parallel frame reads. */
  readonly concurrency: number
  readonly out: string
}

/** An error as it crosses a process boundary. */
export interface WireError { readonly code: string, readonly message: string }

/** One stored file as the streamer acknowledged it: cluster path and bytes. */
export type AckedFile = readonly [path: string, bytes: number]

/** A progress line of a client. */
export interface ProgressLine {
  readonly type: 'progress'
  /** Frames given to `storeFrame` so far. */
  readonly frames: number
  readonly stored: number
  readonly spilled: number
  readonly spillPending: number
  readonly parked: number
  readonly rerouted: number
  readonly retries: number
  readonly bufferedBytes: number
  readonly peakBufferedBytes: number
  readonly rss: number
  /** `url → state` of every node the streamer knows. */
  readonly nodes: Readonly<Record<string, string>>
  readonly bigStarted: boolean
}

/** A `StreamReport` as it crosses the process boundary: no duration, errors made plain. */
export type StreamSummary = Omit<StreamReport, 'durationMs' | 'failed'> & {
  readonly failed: ReadonlyArray<{ readonly path: string, readonly error: WireError }>
}

/** What an acquiring or resuming client writes to `out`. */
export interface ClientResult {
  /** 'mdns', 'static', or 'static (mDNS found …)'. */
  readonly discovery: string
  readonly framesAccepted: number
  /** Frames the backend reports stored (resume: frames this client put). */
  readonly framesStored: number
  /** `finalize()` resolved with the completion marker written. */
  readonly complete: boolean
  /** Backend report: files and bytes stored, failed files. */
  readonly files: number
  readonly bytes: number
  readonly failed: ReadonlyArray<{ readonly name: string, readonly error: WireError }>
  readonly stream: StreamSummary | null
  /** Every acknowledged file, by node URL. */
  readonly acks: Readonly<Record<string, readonly AckedFile[]>>
  /** `node-down` / `node-up` events seen: `[ms since start, url, what]`. */
  readonly nodeEvents: ReadonlyArray<readonly [number, string, string]>
  readonly maxRss: number
  /** RSS once the client is warm (10 % of the frames given; workers and loader loaded). */
  readonly warmRss: number
  /** Live heap + external memory after a full GC: when warm, and the largest sample (every 5 % of the frames). */
  readonly warmLive: number
  readonly maxLive: number
  /** Most files the Streamer held unsettled at once (queued, in flight, parked, in the journal). */
  readonly peakPending: number
  /** The backend's pixel window (`maxPendingBytes`). */
  readonly pixelWindow: number
  readonly peakBufferedBytes: number
  readonly memoryBudget: number
  readonly durationMs: number
  /** Resume only: frames found already stored, and whether the big file had to be sent again. */
  readonly alreadyPresent?: number
  readonly bigFileSent?: boolean
}

/** One series read back by `verify-main.ts`. */
export interface SeriesCheck {
  readonly series: string
  readonly complete: boolean
  readonly frameCount: number
  readonly missing: readonly number[]
  readonly differing: readonly number[]
  readonly unreadable: ReadonlyArray<{ readonly index: number, readonly error: WireError }>
  readonly events: number
  readonly readMs: number
}

/** What `verify-main.ts` writes to `out`. */
export interface VerifyResult {
  readonly series: readonly SeriesCheck[]
  /** Per node: `/__status` and listing answers (status codes, 0 = no answer). */
  readonly serving: Readonly<Record<string, { readonly status: number, readonly listing: number, readonly error?: string }>>
  /** The big file: absent, or present with its digest matching. */
  readonly bigFile?: { readonly present: boolean, readonly matches: boolean, readonly bytes: number }
}
