/**
 * The `Backend` contract: how an acquisition stores one series (PROTOCOL.md §7).
 *
 * Lifecycle, as PYME's `ClusterBackend` (initialise / store_frame / finalise), made strict:
 *
 * ```
 *   new XxxBackend(opts)      mdh holds imageID, DimOrder, SizeC/T/Z; add your own keys
 *   await initialize()        writes metadata.json (before any frame)
 *   storeFrame(n, pixels[, release])  cheap and synchronous; false = wait for 'drain' / await ready()
 *   logEvent(name, descr)     any time before finalize()
 *   await finalize()          waits for every frame, writes final_metadata.json, then events.json
 *                             (the completion marker); resolves to a report, or rejects with
 *                             StoreFailedError naming each frame that was not stored
 *   await close()             finalizes if needed, then releases workers and files
 *   destroy(err?)             aborts now: no completion marker, pending frames abandoned
 * ```
 *
 * A frame is a camera buffer with x varying fastest (rows of constant y), `width * height`
 * pixels of the series dtype, stored as a PZF file with `DimOrder 'F'` and `Width = width`
 * (PZF.md §3), so PYME sees it indexed `[x, y]` as its own acquisition writes it.
 */
import type { EventEmitter } from 'node:events'
import type { PzfPixels } from '../pzf/format.js'
import type { MetaDataHandler } from '../series/metadata-handler.js'
import type { Throughput } from './throughput-meter.js'

/** A frame: `Uint16Array` (uint16), `Uint8Array` (uint8) or `Float32Array` (float32). */
export type FramePixels = PzfPixels

/** Where a backend is in its lifecycle. */
export type BackendState = 'new' | 'initializing' | 'open' | 'finalizing' | 'finalized' | 'closed' | 'destroyed'

/** A file that could not be stored, with the reason. */
export interface FailedFile {
  /** File name within the series (`frame00012.pzf`, `events.json`, …). */
  readonly name: string
  readonly error: Error
}

/** What `finalize()` / `close()` resolve to (and `StoreFailedError.report` carries). */
export interface BackendReport {
  /** The series URL (`getURL()`). */
  readonly url: string
  /** The series' `imageID`, also every frame's PZF `SequenceID`. */
  readonly sequenceId: number
  /** True when final_metadata.json and events.json (the completion marker) were written. */
  readonly complete: boolean
  /** Frames stored. */
  readonly frames: number
  /** Highest frame index given + 1: the frame count readers see. */
  readonly frameCount: number
  /** Indices below `frameCount` never given to `storeFrame` (first 1000). */
  readonly missing: readonly number[]
  /** Number of indices below `frameCount` never given to `storeFrame`. */
  readonly missingCount: number
  /** Files (frames included) that could not be stored. */
  readonly failed: readonly FailedFile[]
  /** Files stored, metadata and events included. */
  readonly files: number
  /** Bytes stored, all files. */
  readonly bytes: number
  /** From `initialize()` to the end of `finalize()`. */
  readonly durationMs: number
}

/** A snapshot of a backend's counters. */
export interface BackendStats {
  readonly state: BackendState
  /** Recent rates (about the last 5 s): frames/s, raw pixel bytes/s and bytes/s as stored; what the demo shows. */
  readonly rate: Throughput
  /** The same rates since `initialize()`. */
  readonly averageRate: Throughput
  /** Frames accepted by `storeFrame`. */
  readonly framesAccepted: number
  readonly framesStored: number
  readonly framesFailed: number
  /** Frames accepted but not yet stored (encoding or being written). */
  readonly pendingFrames: number
  /** Pixel bytes of the pending frames not yet encoded. */
  readonly pendingBytes: number
  /** True while `storeFrame` asks the caller to wait. */
  readonly needDrain: boolean
  readonly filesStored: number
  readonly bytesStored: number
  readonly events: number
  /** Event descriptions cut to 255 characters. */
  readonly eventsTruncated: number
}

/**
 * An acquisition backend. Events: `'drain'` (storeFrame may be called again), `'stored'`
 * `(name, bytes)` per file, `'failed'` `(name, error)` per file that could not be stored.
 */
export interface Backend extends EventEmitter {
  /** The series metadata; keys set before `initialize()` go to metadata.json, later ones to final_metadata.json. */
  readonly mdh: MetaDataHandler
  /** `imageID` of the series and the PZF `SequenceID` of every frame. */
  readonly sequenceId: number
  /** Writes metadata.json; frames are accepted once it resolves. Idempotent. */
  initialize (): Promise<void>
  /**
   * Stores frame `n` (0-based). Synchronous and cheap: the frame is encoded and written in
   * the background. Returns false when the caller should wait for `'drain'` (or `await
   * ready()`) before the next frame. Throws `InvalidFrameError` (wrong type or size, bad
   * index), `DuplicateFrameError` (index given before), `ClosedError`, `DestroyedError`.
   *
   * Who owns `frame` afterwards: by default the backend copied it (reuse it at once); with the
   * `transfer` option the backend keeps it (do not touch it again). With `release`, the frame is
   * lent: the backend reads it where it is and calls `release(frame)` exactly once, in a later
   * microtask, when it no longer needs it (a raw frame from `allocateFrame()`: once stored,
   * failed, dropped or journaled, sent with no copy; any other frame: right after its one copy).
   * Until then do not write to it. Not called when `storeFrame` throws (the frame is still yours).
   */
  storeFrame (n: number, frame: FramePixels, release?: (frame: FramePixels) => void): boolean
  /**
   * A zeroed frame of the series' shape and dtype, in memory with room for a PZF header in front
   * (`allocateFramed`): a raw frame in it that is lent or given up is sent with no copy at all.
   * Allocate a camera's ring of buffers once, before the acquisition; fresh memory is slow to touch.
   */
  allocateFrame (): FramePixels
  /** Resolves when `storeFrame` would return true. */
  ready (): Promise<void>
  /** Logs an event for events.json (time in Unix seconds, default now). */
  logEvent (name: string, description?: string, time?: number): void
  /** Completes the series; see the lifecycle above. Idempotent. */
  finalize (): Promise<BackendReport>
  /** The series URL: `PYME-CLUSTER://<filter>/<series>`, `file:///…`, `memory://…`. */
  getURL (): string
  stats (): BackendStats
  /** Finalizes (if initialized and not yet finalized), then releases resources. Idempotent. */
  close (): Promise<BackendReport>
  /** Aborts now; the series is left without a completion marker. Idempotent. */
  destroy (err?: Error): void
}
