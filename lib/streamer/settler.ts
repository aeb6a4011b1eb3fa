/**
 * The Streamer's answer path, in one place: what happens to a file once a server answered (or
 * failed to), once its encoding finished, and when the stream is aborted.
 *
 * ```
 *  SendHandler ─► AckPipeline (status → outcome; retries, node down/full, 405 checks) ─┐
 *  EncodeStage ─► encoded: the item's bytes are ready, its node queue pumps ───────────┤
 *                                                                                      ▼
 *      stored(item) ─┬─► counters, 'ack', the waiter resolves ──┐                 Settler
 *      failed(item) ─┴─► report, 'fail', the waiter rejects ────┴─► settle(item):
 *            memory given back (pooled buffers once undici is done with them), budget released,
 *            barriers that waited for it released (events.json goes), spilled files replayed,
 *            'drain' when there is room again, idle when nothing is outstanding
 * ```
 *
 * The Streamer admits files (`admitted()` counts them) and the Settler settles each exactly
 * once; `outstanding` is the difference. A copy of `putCopies` that is not stored fails its file
 * only when it was the last copy that could be; a stored copy lets its siblings still waiting for
 * their node go. At a close deadline (`expire`) the files still held fail with its error.
 */
import { StoreFailedError } from '../errors.js'
import type { AckSink } from './ack-pipeline.js'
import type { BarrierSet, PendingBarrier } from './barrier-set.js'
import { ackChannel, dropChannel, retryChannel } from './diagnostics.js'
import type { EncodeSink, EncodeStage } from './encode-stage.js'
import type { EncodedFrame } from './frame-encoder.js'
import type { MemoryBudget } from './memory-budget.js'
import type { NodePusher } from './node-pusher.js'
import type { OverflowGate } from './overflow-gate.js'
import type { SpillQueue } from './spill-queue.js'
import { skippedCopy, type ItemRouter } from './item-router.js'
import { ItemState, StreamItem, type Ack } from './stream-item.js'
import type { FailedPut, StreamCounters } from './stream-report.js'
import type { StreamerEvents } from './streamer-events.js'

/** What the Settler needs from the Streamer around it. */
export interface SettlerHost {
  emit<E extends keyof StreamerEvents> (event: E, ...args: StreamerEvents[E]): boolean
  listenerCount (event: keyof StreamerEvents): number
  /** The stream takes new files (a `'drain'` is worth emitting). */
  readonly open: boolean
  /** Moves spilled files back into memory while they fit. */
  replay (): void
}

/** The parts the Settler settles through (owned by the Streamer). */
export interface SettlerParts {
  readonly router: ItemRouter
  readonly budget: MemoryBudget
  readonly counters: StreamCounters
  readonly spill: SpillQueue
  readonly gate: OverflowGate
  readonly barriers: BarrierSet
  readonly encoder: EncodeStage | null
}

/** Settles every file of one Streamer; see the file comment. */
export class Settler implements AckSink, EncodeSink {
  readonly #host: SettlerHost
  readonly #p: SettlerParts
  #outstanding = 0
  #onIdle: (() => void) | null = null
  /** 'all-nodes-down' was emitted and no node has come back since. */
  #allDown = false
  /** A damaged or aborted spill journal kept on disk for recovery. */
  journalKept: string | null = null

  constructor (host: SettlerHost, parts: SettlerParts) {
    this.#host = host
    this.#p = parts
  }

  /** Files admitted and not yet settled (queued, encoding, in flight, parked, spilled). */
  get outstanding (): number { return this.#outstanding }

  /** A file was admitted (into memory or the journal); it will be settled once. */
  admitted (): void {
    this.#outstanding++
  }

  /** Calls `fn` once nothing is outstanding (at once if nothing is); `null` stops waiting. */
  whenIdle (fn: (() => void) | null): void {
    this.#onIdle = fn
    if (fn !== null && this.#outstanding === 0) fn()
  }

  /** Calls the idle waiter now, idle or not (a close deadline has passed: waiting is over). */
  wake (): void {
    this.#onIdle?.()
  }

  // ---------------------------------------------------------------- answers (AckSink)

  stored (item: StreamItem, pusher: NodePusher, verified: boolean): void {
    if (item.settled) return
    item.state = ItemState.STORED
    const bytes = item.size
    const c = this.#p.counters
    c.files++
    c.bytes += bytes
    if (verified) c.verified++
    pusher.files++
    pusher.bytes += bytes
    const host = this.#host
    if (item.waiter !== null || ackChannel.hasSubscribers || host.listenerCount('ack') > 0) {
      const ack: Ack = { path: item.path, node: pusher.url, bytes, attempts: item.attempts, verified }
      if (ackChannel.hasSubscribers) ackChannel.publish(ack)
      host.emit('ack', ack)
      item.waiter?.resolve(ack)
    }
    this.#settle(item, false)
    if (item.copies !== null) {
      // A copy is stored: its siblings still waiting for their node (parked) are skipped.
      for (const other of item.copies.items) {
        if (!other.settled && other.node < 0 && other.state !== ItemState.WAITING) {
          this.failed(other, skippedCopy(this.#p.router.pushers[other.pinned] as NodePusher, other))
        }
      }
    }
  }

  failed (item: StreamItem, err: Error): void {
    if (item.settled) return
    // A copy that is not stored fails the file only when it was the last one that could be.
    const file = item.copies === null || item.copies.isLastHope(item)
    item.state = ItemState.FAILED
    if (file) {
      const failure: FailedPut = { path: item.path, error: err }
      this.#p.counters.failed.push(failure)
      if (dropChannel.hasSubscribers) dropChannel.publish({ path: item.path, bytes: item.charged, reason: err.message })
      if (this.#host.listenerCount('fail') > 0) this.#host.emit('fail', failure)
    }
    item.waiter?.reject(err)
    this.#settle(item, file)
  }

  reroute (item: StreamItem): void {
    this.#p.router.route(item)
  }

  retried (item: StreamItem, pusher: NodePusher, err: Error): void {
    this.#p.counters.retries++
    if (retryChannel.hasSubscribers) retryChannel.publish({ path: item.path, node: pusher.url, attempt: item.attempts, error: err })
    if (this.#host.listenerCount('retry') > 0) this.#host.emit('retry', { path: item.path, node: pusher.url, attempt: item.attempts, error: err })
  }

  nodeDown (pusher: NodePusher, err: Error): void {
    this.#host.emit('node-down', { url: pusher.url, state: pusher.state, error: err })
    const router = this.#p.router
    if (!this.#allDown && router.allDown) {
      // Once per outage: files now wait for a node ('node-up') or the close deadline.
      this.#allDown = true
      this.#host.emit('all-nodes-down', { nodes: router.pushers.map((p) => p.url), waiting: this.#outstanding })
    }
  }

  nodeUp (pusher: NodePusher): void {
    this.#allDown = false
    this.#host.emit('node-up', { url: pusher.url })
    this.#p.router.unpark()
  }

  /** A node joined, or came back into the cluster: the outage, if any, is over. */
  nodeJoined (): void {
    this.#allDown = false
  }

  // ---------------------------------------------------------------- encoding (EncodeSink)

  encoded (item: StreamItem, frame: EncodedFrame): void {
    this.#p.counters.encoding--
    if (item.settled) {
      frame.release?.()
      return
    }
    // The staged pixels went back to the encoder; the item now holds the encoded bytes.
    item.release = frame.release
    item.body = frame.body
    const delta = item.size - item.charged
    item.charged = item.size
    item.state = ItemState.QUEUED
    if (delta > 0) this.#p.budget.charge(delta)
    if (item.node >= 0) {
      const p = this.#p.router.pushers[item.node] as NodePusher
      p.requeued(delta)
      p.pump()
    }
    if (delta < 0) this.#released(-delta)
  }

  encodeFailed (item: StreamItem, err: Error): void {
    this.#p.counters.encoding--
    this.failed(item, err)
  }

  // ---------------------------------------------------------------- settling

  #settle (item: StreamItem, failed: boolean): void {
    const bytes = item.charged
    if (item.pixels !== null) this.#p.encoder?.discard(item.pixels)
    item.releaseIfDone()
    item.body = null
    item.pixels = null
    item.charged = 0
    item.waiter = null
    this.#outstanding--
    if (item.spilled) this.#p.spill.settledOne()
    if (this.#p.barriers.size > 0) {
      const released = this.#p.barriers.settled(item, failed)
      if (released !== null) for (const b of released) this.#releaseBarrier(b)
    }
    this.#released(bytes)
    if (this.#outstanding === 0) this.#onIdle?.()
  }

  #releaseBarrier (b: PendingBarrier): void {
    const item = b.item
    if (b.earlierFailed.length > 0 && !item.sendAnyway) {
      this.failed(item, new StoreFailedError(`${item.path} not sent: ${b.earlierFailed.length} earlier file(s) failed`, b.earlierFailed))
      return
    }
    item.state = ItemState.QUEUED
    this.#p.router.route(item)
  }

  #released (bytes: number): void {
    this.#p.budget.release(bytes)
    if (this.#p.spill.pending > 0) this.#host.replay()
    if (this.#host.open && this.#p.gate.drainDue()) this.#host.emit('drain')
  }

  /** Fails a spilled file that never came back into memory (it has no item yet). */
  failUnreplayed (file: { readonly seq: number, readonly path: string, readonly waiter: StreamItem['waiter'] }, err: Error): void {
    const item = new StreamItem(file.seq, file.path, '', -1, false, false)
    item.waiter = file.waiter
    this.failed(item, err)
  }

  /**
   * A close deadline: fails `held` (taken from the nodes, the parked queue and the verify set)
   * and every file still in the spill journal with `err`; when `all`, also the barriers still
   * waiting and the callers waiting for room. Returns how many files it failed.
   */
  expire (err: Error, held: readonly StreamItem[], all: boolean): number {
    const p = this.#p
    let n = 0
    const fail = (item: StreamItem): void => {
      if (item.settled) return
      n++
      this.failed(item, err)
    }
    for (const item of held) fail(item)
    if (p.spill.pending > 0) {
      const { files, journal } = p.spill.abort()
      if (journal !== null) this.journalKept = journal
      n += files.length
      for (const f of files) this.failUnreplayed(f, err)
    }
    if (all) {
      for (const b of p.barriers.takeAll()) fail(b.item)
      p.budget.rejectWaiters(err)
    }
    return n
  }

  /** Fails every file not yet settled (destroy, close timeout), wherever it is. */
  abortAll (err: Error, verifying: readonly StreamItem[]): void {
    const p = this.#p
    for (const pusher of p.router.pushers) for (const item of pusher.destroy(err)) this.failed(item, err)
    p.router.drainParked((item) => { this.failed(item, err) })
    for (const b of p.barriers.takeAll()) this.failed(b.item, err)
    for (const item of verifying) this.failed(item, err)
    const { files, journal } = p.spill.abort()
    if (journal !== null) this.journalKept = journal
    for (const f of files) this.failUnreplayed(f, err)
    p.budget.rejectWaiters(err)
  }
}
