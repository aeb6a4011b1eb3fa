/**
 * What the streamer tells its caller: the final report of `close()` and live `stats()`.
 * Every file put is in exactly one of: stored (`files`), `failed`, `dropped` (by the `'drop'`
 * overflow policy) — nothing is lost without being counted here.
 */
import type { NodeState } from './distribution.js'

/** Per-node part of the report. */
export interface NodeReport {
  /** Files stored on this node and their bytes. */
  readonly files: number
  readonly bytes: number
  /** Failures on this node that sent files elsewhere (or again). */
  readonly retries: number
  readonly state: NodeState
}

/** A file that could not be stored. */
export interface FailedPut {
  readonly path: string
  /** A `PymeError` (`AlreadyExistsError`, `EncodeError`, `NodeUnreachableError`, …). */
  readonly error: Error
}

/** The result of `close()` (also attached to `StoreFailedError.report`). */
export interface StreamReport {
  /** Files stored, and their bytes on the wire. */
  readonly files: number
  readonly bytes: number
  /** From construction to the end of `close()`/`destroy()`. */
  readonly durationMs: number
  /** Keyed by node URL. */
  readonly nodes: Readonly<Record<string, NodeReport>>
  readonly failed: readonly FailedPut[]
  /** Files refused by the `'drop'` overflow policy. */
  readonly dropped: number
  /** Files that went through the spill journal. */
  readonly spilled: number
  /** Files placed on another node than the distribution chose (node down, full or saturated). */
  readonly rerouted: number
  /** Re-sends after a failure. */
  readonly retries: number
  /** Files counted as stored after a 405 to a re-send and a size check. */
  readonly verified: number
  /** A spill journal left on disk with files not replayed (after `destroy()` or a close timeout), else `null`. */
  readonly journal: string | null
}

/** Live state of one node. */
export interface NodeStats {
  readonly url: string
  readonly state: NodeState
  readonly queued: number
  readonly inFlight: number
  readonly inFlightBytes: number
  readonly files: number
  readonly bytes: number
  readonly retries: number
}

/** A snapshot from `stats()`. */
export interface StreamStats {
  /** Files accepted and not yet settled (queued, encoding, in flight, parked, spilled). */
  readonly pending: number
  readonly queued: number
  readonly encoding: number
  readonly inFlight: number
  /** Files waiting for a node to come up. */
  readonly parked: number
  readonly acknowledged: number
  readonly bytesAcknowledged: number
  readonly failed: number
  readonly dropped: number
  /** Bytes charged to the memory budget now, its peak and its limit. */
  readonly bufferedBytes: number
  readonly peakBufferedBytes: number
  readonly memoryBudget: number
  /** Files in the spill journal not yet replayed, and its size on disk. */
  readonly spillPending: number
  readonly spillBytes: number
  readonly spilled: number
  readonly rerouted: number
  readonly retries: number
  /**
   * Frame-sized buffers the encoder created so far, and those kept for reuse now. In steady
   * state the first stops growing: frames are framed and encoded into reused memory.
   */
  readonly buffersAllocated: number
  readonly buffersPooled: number
  readonly nodes: readonly NodeStats[]
}

/** Counters kept by the streamer (mutable; snapshots go out as reports). */
export class StreamCounters {
  files = 0
  bytes = 0
  dropped = 0
  spilled = 0
  retries = 0
  verified = 0
  encoding = 0
  readonly failed: FailedPut[] = []
}
