/**
 * One file on its way to a data server: what to send, where it is, how often it was tried.
 *
 * Lifecycle (`state`):
 *
 * ```
 *  QUEUED ──(frame)──► ENCODING ──► QUEUED ──dispatch──► IN_FLIGHT ──2xx──► STORED
 *    │                    │                                 │  └─405 after a re-send──► VERIFYING ──► STORED | FAILED
 *    │                    └─filter error──────────────────► FAILED
 *    └─(barrier) WAITING until every earlier file settled   └─reset/5xx/timeout──► QUEUED on another node (or PARKED)
 * ```
 *
 * Items are plain monomorphic records: every field is initialised in the constructor.
 */
import type { PzfEncodeOptions, PzfPixels } from '../pzf/index.js'
import type { CopySet } from './copy-set.js'

/** Item states (see the diagram above). */
export const ItemState = {
  QUEUED: 0,
  ENCODING: 1,
  WAITING: 2,
  IN_FLIGHT: 3,
  VERIFYING: 4,
  STORED: 5,
  FAILED: 6,
  PARKED: 7
} as const
export type ItemStateValue = typeof ItemState[keyof typeof ItemState]

/** Pixel arrays accepted by `putFrame`: the one frame type of the package (PZF's pixel types, as the backends' `FramePixels`). */
export type FramePixels = PzfPixels

/** Acknowledgement of one stored file. */
export interface Ack {
  /** Normalised cluster path. */
  readonly path: string
  /** The data server that stored it (`http://host:port/`). */
  readonly node: string
  /** Bytes on the wire (after encoding). */
  readonly bytes: number
  /** How many times it was sent (1 unless it was re-sent). */
  readonly attempts: number
  /**
   * `true` when the server answered 405 to a re-send and the copy it already had was verified to
   * have the same size (the answer to an earlier send had been lost).
   */
  readonly verified: boolean
}

/** Per-item callbacks of `putAsync`/`putAfterAll`; `null` for plain `put`. */
export interface ItemWaiter {
  readonly resolve: (ack: Ack) => void
  readonly reject: (err: unknown) => void
}

/** A file held by the streamer. */
export class StreamItem {
  /** Put order (0, 1, 2, …); barriers compare against it. */
  readonly seq: number
  readonly path: string
  /** Request target: `/` + percent-encoded path. */
  readonly target: string
  /** Frame index (PYME's `i`), -1 when none. */
  readonly index: number
  /** `true` for `putFrame` items that go through the encode hook. */
  readonly isFrame: boolean
  /** `true` for `putAfterAll` items. */
  readonly isBarrier: boolean
  state: ItemStateValue
  /** Bytes to send; `null` until encoded and again once settled (released on ack). */
  body: Buffer | null
  /**
   * Gives the memory of `body` back for reuse (a pooled frame buffer, or lent pixels); called once, when
   * the item is settled and undici holds none of its requests any more (`sends` is 0).
   */
  release: (() => void) | null
  /** Requests of this item handed to undici and not yet completed or errored by it. */
  sends: number
  /** Frame pixels until encoded. */
  pixels: FramePixels | null
  /** Per-frame encode options (merged over the filter's base options), or a user filter's argument. */
  encode: Partial<PzfEncodeOptions> | null
  filterArg: unknown
  /** Bytes charged to the memory budget. */
  charged: number
  /** Node chosen by the distribution function (-1 before routing). */
  chosen: number
  /** Node the item is queued on or in flight to (-1 when parked). */
  node: number
  /** Number of dispatches so far. */
  attempts: number
  /** Nodes this item was written to before (bit n = node n, for n < 31), to recognise our own 405s. */
  sentMask: number
  /** Same for nodes with index ≥ 31 (rare; allocated on demand). */
  sentMore: number[] | null
  waiter: ItemWaiter | null
  lastError: unknown
  /** A barrier sends even if earlier files failed. */
  sendAnyway: boolean
  /** The item came back from the spill journal. */
  spilled: boolean
  /** A copy of `putCopies` goes to this node only (-1: routed by the distribution). */
  pinned: number
  /** The copies this item is one of (`putCopies`), else null. */
  copies: CopySet | null

  constructor (seq: number, path: string, target: string, index: number, isFrame: boolean, isBarrier: boolean) {
    this.seq = seq
    this.path = path
    this.target = target
    this.index = index
    this.isFrame = isFrame
    this.isBarrier = isBarrier
    this.state = ItemState.QUEUED
    this.body = null
    this.release = null
    this.sends = 0
    this.pixels = null
    this.encode = null
    this.filterArg = undefined
    this.charged = 0
    this.chosen = -1
    this.node = -1
    this.attempts = 0
    this.sentMask = 0
    this.sentMore = null
    this.waiter = null
    this.lastError = undefined
    this.sendAnyway = false
    this.spilled = false
    this.pinned = -1
    this.copies = null
  }

  /** Remembers that the item was written to `node`. */
  markSent (node: number): void {
    if (node < 31) this.sentMask |= (1 << node)
    else if (this.sentMore === null) this.sentMore = [node]
    else if (!this.sentMore.includes(node)) this.sentMore.push(node)
  }

  /** Whether the item was written to `node` before. */
  wasSentTo (node: number): boolean {
    if (node < 31) return (this.sentMask & (1 << node)) !== 0
    return this.sentMore !== null && this.sentMore.includes(node)
  }

  /** Whether the item is done (stored or failed). */
  get settled (): boolean {
    return this.state === ItemState.STORED || this.state === ItemState.FAILED
  }

  /** Bytes on the wire. */
  get size (): number {
    return this.body?.byteLength ?? 0
  }

  /**
   * Gives the item's memory back once nothing can read it any more: the item is settled and no
   * request of it is left in undici (a request given up on a failed node may still be written
   * until undici errors it; reusing the buffer before then could corrupt what it writes).
   */
  releaseIfDone (): void {
    if (this.release === null || this.sends > 0 || !this.settled) return
    const release = this.release
    this.release = null
    release()
  }
}
