/**
 * The Streamer: puts files on a set of data servers through one pipelined pusher per node,
 * with a separate acknowledgement path, a byte budget and an explicit overflow policy, and
 * accounts for every file (PROTOCOL.md §6, requirements §6.10; docs/streamer.md).
 *
 * ```
 *  put/putFrame ─► Admission ─┬─ memory ─► ItemRouter (distribution, re-route) ─► NodePusher × N ─► servers
 *   (put-arguments:           ├─ spill journal ─(replayed in order as bytes are released)─┘          │
 *    checks, PutRecord)       └─ drop (counted, 'drop')                                           answers
 *  putFrame ─► EncodeStage (FrameEncoder: raw framed at once; others on the worker pool)           │
 *  AckPipeline (status → outcome, retries, timeouts) ─► Settler (stored/failed/settle/release) ◄───┘
 * ```
 *
 * Where to read what: admission.ts (the way in), node-pusher.ts (sending), ack-pipeline.ts and
 * settler.ts (the answer path of a PUT, start to end), memory-budget.ts / overflow-gate.ts /
 * spill-queue.ts (bounded memory), barrier-set.ts (putAfterAll), copy-set.ts (putCopies),
 * close-deadline.ts (the one deadline of a close), ack-ticker.ts (the coarse clock). This class
 * wires them, and owns the public API and the lifecycle.
 */
import { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import { ClosedError, DestroyedError, InvalidArgumentError, NoServersError, OperationTimeoutError, StoreFailedError } from '../errors.js'
import type { ClockTimer } from '../internal/clock.js'
import { AckTicker } from './ack-ticker.js'
import { AckPipeline } from './ack-pipeline.js'
import { Admission } from './admission.js'
import { BarrierSet } from './barrier-set.js'
import { CloseDeadline, DeadlinePhase, takeHeld } from './close-deadline.js'
import { copyTargets, CopySet, type CopiesAck, type CopiesOptions } from './copy-set.js'
import { DiscoveryFollower } from './discovery-follower.js'
import { resolveDistribution } from './distribution.js'
import { EncodeStage } from './encode-stage.js'
import { MemoryBudget } from './memory-budget.js'
import { NodePusher } from './node-pusher.js'
import { ItemRouter } from './item-router.js'
import { OverflowGate } from './overflow-gate.js'
import { bytesArgs, type BarrierOptions, type FrameHint, type PutHint } from './put-arguments.js'
import { Settler } from './settler.js'
import { SpillQueue } from './spill-queue.js'
import type { Ack, FramePixels } from './stream-item.js'
import { StreamCounters, type NodeReport, type StreamReport, type StreamStats } from './stream-report.js'
import type { StreamerEvents } from './streamer-events.js'
import { resolveStreamerOptions, type ResolvedStreamerOptions, type StreamerOptions } from './streamer-options.js'
import { nameList } from '../internal/name-list.js'

/** Pipelined, accounted streaming of files to PYME data servers. */
export class Streamer extends EventEmitter<StreamerEvents> {
  readonly #options: ResolvedStreamerOptions
  readonly #router: ItemRouter
  readonly #budget: MemoryBudget
  readonly #counters = new StreamCounters()
  readonly #pipeline: AckPipeline
  readonly #encoder: EncodeStage | null
  readonly #spill: SpillQueue
  readonly #gate: OverflowGate
  readonly #settler: Settler
  readonly #admission: Admission
  readonly #startedAt = performance.now()
  readonly #ticker: AckTicker
  readonly #follower: DiscoveryFollower
  readonly #deadline: CloseDeadline
  /** The close deadline failed some file (close() then rejects with OperationTimeoutError). */
  #timedOut = false
  #state: 'open' | 'closing' | 'closed' | 'destroyed' = 'open'
  #closing: Promise<StreamReport> | null = null
  #destroyed: Promise<StreamReport> | null = null
  #durationMs = -1

  constructor (options: StreamerOptions) {
    super()
    const o = resolveStreamerOptions(options)
    this.#options = o
    this.#budget = new MemoryBudget(o.memoryBudget)
    this.#spill = new SpillQueue(o.spillDir, o.spillLimit)
    this.#gate = new OverflowGate(o.overflow, this.#budget, this.#spill)
    const barriers = new BarrierSet()
    // The parts reach each other through these late-bound hosts (the Settler replays the
    // journal through Admission; Admission counts files into the Settler).
    const streamer = this
    const host = {
      emit: <E extends keyof StreamerEvents>(event: E, ...args: StreamerEvents[E]): boolean => this.emit(event, ...args as never),
      listenerCount: (event: keyof StreamerEvents): number => this.listenerCount(event),
      get open (): boolean { return streamer.#state === 'open' },
      get destroyed (): boolean { return streamer.#state === 'destroyed' },
      replay: (): void => { this.#admission.replay() },
      checkOpen: (): void => { this.#checkOpen(false) }
    }
    this.#router = new ItemRouter(resolveDistribution(o.distribution, o.chunkSize), (url, index) => this.#newPusher(url, index), (item, err) => { this.#settler.failed(item, err) })
    let encoder: EncodeStage | null = null
    this.#settler = new Settler(host, {
      router: this.#router, budget: this.#budget, counters: this.#counters, spill: this.#spill, gate: this.#gate, barriers,
      get encoder () { return encoder }
    })
    // Reused frame buffers never hold more than the budget allows in flight.
    encoder = o.filter === undefined ? null : new EncodeStage(o.filter, this.#settler, o.encoderPool, o.encoderThreads, o.memoryBudget)
    this.#encoder = encoder
    this.#pipeline = new AckPipeline(this.#settler, o.maxAttempts, o.ackTimeoutMs)
    this.#admission = new Admission(host, {
      router: this.#router, budget: this.#budget, counters: this.#counters, spill: this.#spill, gate: this.#gate, barriers, encoder, settler: this.#settler
    })
    this.#deadline = new CloseDeadline(o.closeTimeoutMs, { expire: () => { this.#expire(false) }, pass: () => { this.#expire(true) } }, o.clock)
    this.#ticker = new AckTicker(o.ackTimeoutMs, {
      tick: (now) => { this.#pipeline.tick(now, this.#router.pushers) },
      stalled: (now) => { this.#pipeline.excuse(now, this.#router.pushers) }
    }, o.clock)
    this.#follower = new DiscoveryFollower({
      add: (url) => { this.#addNode(url) },
      remove: (url) => { this.#removeNode(url) },
      failed: (err) => { this.destroy(new NoServersError('discovery could not start', { cause: err })).catch(() => { /* reported through the failed files */ }) },
      wanted: () => this.#state === 'open' || this.#state === 'closing'
    })
    for (const url of o.servers) this.#addNode(url)
    if (o.discovery !== undefined) this.#follower.follow(o.discovery)
    else if (o.cluster !== undefined) this.#follower.start(o.cluster, o.closeTimeoutMs)
  }

  // ---------------------------------------------------------------- producer API

  /**
   * Queues `data` (bytes, sent as they are) for `path`. Never blocks. Returns `true` while
   * there is room for another file of this size; `false` means wait for `'drain'` (or
   * `await ready()`) before the next put. With `overflow: 'block'`, a put that does not fit
   * throws `InvalidArgumentError` (a single file larger than the whole budget fits only when
   * nothing else is held). With `'drop'`, `false` means this file was dropped (counted,
   * `'drop'` emitted). With `'spill'`, a file that does not fit goes to the journal (`true`).
   */
  put (path: string, data: Uint8Array, hint?: PutHint): boolean {
    this.#checkOpen()
    return this.#admission.accept(bytesArgs(path, data, hint, 'putFrame'), null)
  }

  /**
   * Queues frame pixels for `path`; the configured `filter` turns them into the bytes to send on
   * the worker pool. Same return contract as `put`. Requires the `filter` option.
   */
  putFrame (path: string, pixels: FramePixels, frame?: FrameHint): boolean {
    return this.#admission.accept(this.#admission.frameRecord(path, pixels, frame), null)
  }

  /**
   * `put`, waiting for room first (`'block'` policy), resolving when the file is stored.
   * Rejects with the file's failure, with `StoreFailedError` if it was dropped, or
   * `ClosedError`/`DestroyedError`.
   */
  async putAsync (path: string, data: Uint8Array, hint?: PutHint): Promise<Ack> {
    this.#checkOpen()
    // Returned, not awaited: a suspended call would keep `data` alive until the answer.
    return this.#admission.whenRoom(bytesArgs(path, data, hint, 'putFrameAsync'))
  }

  /**
   * `putFrame`, waiting for room first, resolving when the encoded file is stored. The pixels
   * are taken (framed, or copied once) before this returns, so the caller may reuse them at once.
   */
  async putFrameAsync (path: string, pixels: FramePixels, frame?: FrameHint): Promise<Ack> {
    return this.#admission.whenRoom(this.#admission.frameRecord(path, pixels, frame))
  }

  /**
   * Sends `data` only once every file put before it is settled; later puts are not held back.
   * Resolves when it is stored. If an earlier file failed it rejects with `StoreFailedError`
   * naming them, unless `sendAnyway`. Its bytes are held outside the overflow policy (it is
   * meant for small completion markers such as `events.json`).
   */
  async putAfterAll (path: string, data: Uint8Array, options?: BarrierOptions): Promise<Ack> {
    this.#checkOpen(true)
    const { path: p, body } = bytesArgs(path, data, undefined, '') as { path: string, body: Buffer }
    return await new Promise<Ack>((resolve, reject) => {
      this.#admission.barrier(p, body, options?.sendAnyway === true, { resolve, reject })
    })
  }

  /**
   * Puts one file on several nodes: a copy pinned to each of `options.nodes` (default: every
   * node known now and not removed; when none is known yet, one copy goes where the distribution
   * sends it). A copy is never sent to another node: one whose node is down or full waits for it
   * until another copy is stored, and is then skipped. With `afterAll` every copy is a barrier,
   * as `putAfterAll`. Resolves once every copy is settled and at least one is stored, with the
   * `Ack` of each stored copy and the node and error of each other; rejects (`StoreFailedError`,
   * or `OperationTimeoutError` at a close deadline) when none is. The copies share the bytes,
   * held outside the overflow policy: meant for small files (a series' metadata.json, events.json).
   */
  async putCopies (path: string, data: Uint8Array, options: CopiesOptions = {}): Promise<CopiesAck> {
    const afterAll = options.afterAll === true
    this.#checkOpen(afterAll)
    const { path: p, body } = bytesArgs(path, data, undefined, '') as { path: string, body: Buffer }
    const nodes = copyTargets(options.nodes, this.#router)
    const urls = nodes.map((n) => this.#router.pushers[n]?.url ?? '')
    return await new Promise<CopiesAck>((resolve, reject) => {
      this.#admission.copies(new CopySet(p, resolve, reject), body, nodes, urls, afterAll, options.sendAnyway === true)
    })
  }

  /**
   * Resolves when a file of `bytes` (default: the size of the last put) fits in the memory
   * budget. Rejects with `DestroyedError` if the streamer is destroyed meanwhile.
   */
  ready (bytes = this.#gate.lastSize): Promise<void> {
    if (this.#state === 'destroyed') return Promise.reject(new DestroyedError('streamer destroyed'))
    // ready() admits nothing itself: give the reserved room back (waking whoever it suits) for
    // the caller's next put.
    return this.#budget.waitFor(bytes).then(() => { this.#budget.unreserve(bytes) })
  }

  /**
   * Creates and touches the memory `putFrame` copies raw PZF frames of `pixelBytes` pixel bytes
   * into, for up to `count` frames (as many as `memoryBudget` keeps; none without a PZF
   * `filter`), one buffer per turn of the event loop. Called before an acquisition, its first
   * frames then cost what the rest do. Resolves to the number of buffers created.
   */
  async preallocate (pixelBytes: number, count: number): Promise<number> {
    this.#checkOpen()
    if (!Number.isSafeInteger(pixelBytes) || pixelBytes < 1 || pixelBytes > this.#options.memoryBudget || !Number.isSafeInteger(count) || count < 0) {
      throw new InvalidArgumentError(`invalid preallocate(pixelBytes, count): expected integers, pixelBytes 1..memoryBudget (${this.#options.memoryBudget}), count >= 0`)
    }
    return await (this.#encoder?.preallocateRaw(pixelBytes, count, () => this.#state !== 'open') ?? 0)
  }

  // ---------------------------------------------------------------- observability

  /** A snapshot of queues, bytes, nodes and counters. */
  stats (): StreamStats {
    let queued = 0
    let inFlight = 0
    const nodes = this.#router.pushers.map((p) => {
      queued += p.queued
      inFlight += p.inFlight
      return { url: p.url, state: p.state, queued: p.queued, inFlight: p.inFlight, inFlightBytes: p.inFlightBytes, files: p.files, bytes: p.bytes, retries: p.retries }
    })
    const c = this.#counters
    return {
      pending: this.#settler.outstanding,
      queued,
      encoding: c.encoding,
      inFlight,
      parked: this.#router.parked,
      acknowledged: c.files,
      bytesAcknowledged: c.bytes,
      failed: c.failed.length,
      dropped: c.dropped,
      bufferedBytes: this.#budget.held,
      peakBufferedBytes: this.#budget.peak,
      memoryBudget: this.#budget.limit,
      spillPending: this.#spill.pending,
      spillBytes: this.#spill.bytes,
      spilled: c.spilled,
      rerouted: this.#router.rerouted,
      retries: c.retries,
      buffersAllocated: this.#encoder?.buffersAllocated ?? 0,
      buffersPooled: this.#encoder?.buffersPooled ?? 0,
      nodes
    }
  }

  /** The nodes in distribution order (`http://host:port/`). */
  get nodes (): readonly string[] {
    return this.#router.pushers.map((p) => p.url)
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Starts the clock of `close()` now, or `elapsedMs` ago (a backend's `finalize()` starts it as
   * it begins): the one deadline, `closeTimeoutMs`, runs from here. Puts are still taken until
   * `close()`. Files not stored by the deadline less a reserve (a quarter, at most 15 s) fail
   * with `OperationTimeoutError`, and later puts are refused at once, except barriers
   * (`putAfterAll`, `putCopies` with `afterAll`): the files that complete a series are still
   * sent until the deadline, then everything left fails. Idempotent; `close()` keeps it.
   */
  beginClose (elapsedMs = 0): void {
    if (this.#state === 'destroyed' || this.#state === 'closed') return
    this.#deadline.begin(elapsedMs)
  }

  /**
   * Stops accepting files and waits until every file is acknowledged or failed, within one
   * deadline: `closeTimeoutMs` from this call (or from `beginClose()`), the same steps as
   * there. Then closes the connections (cut at the deadline if a server never answers).
   * Resolves to the report; rejects with `OperationTimeoutError` when the deadline failed files,
   * else `StoreFailedError`, if any file could not be stored (`failed` names them, `report`
   * attached). Idempotent.
   */
  close (): Promise<StreamReport> {
    if (this.#closing !== null) return this.#closing
    if (this.#state === 'destroyed') return Promise.reject(new DestroyedError('streamer destroyed'))
    this.#state = 'closing'
    this.#closing = this.#close()
    return this.#closing
  }

  /**
   * Aborts now: every file not yet stored fails with `DestroyedError` (waiters reject), the
   * connections and the worker pool are torn down. A spill journal holding unsent files is kept
   * (its path is in the report). Emits `'error'` with `err` when given and listened to.
   * Resolves to the report. Idempotent.
   */
  destroy (err?: Error): Promise<StreamReport> {
    if (this.#destroyed !== null) return this.#destroyed
    if (this.#state === 'closed') {
      this.#destroyed = Promise.resolve(this.#report())
      return this.#destroyed
    }
    this.#state = 'destroyed'
    this.#deadline.stop()
    const reason = new DestroyedError(err === undefined ? 'streamer destroyed' : `streamer destroyed: ${err.message}`, err === undefined ? undefined : { cause: err })
    this.#abortAll(reason)
    this.#ticker.stop()
    this.#durationMs = performance.now() - this.#startedAt
    this.#settler.whenIdle(null)
    const teardown: Promise<unknown>[] = []
    if (this.#encoder !== null) teardown.push(this.#encoder.destroy())
    teardown.push(this.#follower.release())
    if (err !== undefined && this.listenerCount('error') > 0) this.emit('error', err)
    this.#destroyed = Promise.allSettled(teardown).then(() => this.#report())
    return this.#destroyed
  }

  async #close (): Promise<StreamReport> {
    const timeoutMs = this.#options.closeTimeoutMs
    const deadline = this.#deadline
    deadline.begin()
    if (this.#settler.outstanding > 0 && deadline.phase !== DeadlinePhase.PASSED) {
      // The deadline's last sweep fails whatever is left, which makes the settler idle.
      await new Promise<void>((resolve) => { this.#settler.whenIdle(resolve) })
      this.#settler.whenIdle(null)
    }
    if (this.#state !== 'destroyed') {
      if (this.#settler.outstanding > 0) {
        this.#timedOut = true
        this.#abortAll(new OperationTimeoutError(`not acknowledged within closeTimeoutMs (${timeoutMs} ms)`))
      }
      this.#state = 'closed'
      this.#ticker.stop()
      const closing: Promise<unknown>[] = this.#router.pushers.map((p) => p.close())
      if (this.#encoder !== null) closing.push(this.#encoder.close())
      closing.push(this.#follower.release())
      const all = Promise.allSettled(closing)
      // Gracefully within what is left of the deadline; then a server that never answers what
      // was given up on it is cut off, so close() ends in time.
      let timer: ClockTimer | null = null
      const inTime = await Promise.race([all.then(() => true), new Promise<boolean>((resolve) => {
        timer = this.#options.clock.timeout(() => { resolve(false) }, deadline.remainingMs(), true)
      })])
      ;(timer as ClockTimer | null)?.cancel()
      if (!inTime) {
        const cut = new OperationTimeoutError(`connections cut at the close deadline (closeTimeoutMs ${timeoutMs} ms)`)
        for (const p of this.#router.pushers) p.cut(cut)
        await all
      }
      deadline.stop()
      this.#durationMs = performance.now() - this.#startedAt
    }
    const report = this.#report()
    if (report.failed.length > 0) {
      const names = report.failed.map((f) => f.path)
      if (this.#timedOut) {
        throw new OperationTimeoutError(`close() ran out of closeTimeoutMs (${timeoutMs} ms): ${names.length} file(s) not stored: ${nameList(names)}`, { failed: names, report })
      }
      throw new StoreFailedError(`${names.length} file(s) could not be stored: ${nameList(names)}`, names, report)
    }
    return report
  }

  /**
   * Refuses a put unless the streamer takes it: open, and the close deadline not yet expired
   * (for a barrier, a completion file: not yet passed).
   */
  #checkOpen (barrier = false): void {
    if (this.#state === 'open' && this.#deadline.phase < (barrier ? DeadlinePhase.PASSED : DeadlinePhase.EXPIRED)) return
    if (this.#state === 'destroyed') throw new DestroyedError('streamer destroyed')
    if (this.#state === 'open') throw new OperationTimeoutError(`the close deadline (closeTimeoutMs ${this.#options.closeTimeoutMs} ms) has passed: no more files are taken`)
    throw new ClosedError('streamer closed')
  }

  /**
   * The close deadline: every file not yet stored fails with `OperationTimeoutError`, at
   * `D − reserve` all but barriers (the completion files, still sent), at `D` everything. The
   * connections stay: barriers still go out, and answers to what was given up are ignored.
   */
  #expire (all: boolean): void {
    if (this.#state === 'destroyed' || this.#state === 'closed') return
    const d = this.#deadline
    const err = new OperationTimeoutError(all
      ? `not stored within closeTimeoutMs (${d.timeoutMs} ms)`
      : `not stored within closeTimeoutMs (${d.timeoutMs} ms) less the ${d.reserveMs} ms kept for the files that complete a series`)
    const held = takeHeld(this.#router, this.#pipeline, (item) => all || !item.isBarrier)
    if (this.#settler.expire(err, held, all) > 0) this.#timedOut = true
    // The close waits no longer, whatever a sweep could not reach.
    if (all) this.#settler.wake()
  }

  // ---------------------------------------------------------------- nodes

  #newPusher (url: string, index: number): NodePusher {
    const o = this.#options
    return new NodePusher({
      url,
      index,
      pipelining: o.pipelining,
      connections: o.connections,
      windowBytes: o.windowBytes,
      probeTimeoutMs: o.ackTimeoutMs,
      backoffMinMs: o.backoffMinMs,
      backoffMaxMs: o.backoffMaxMs,
      now: () => this.#ticker.now,
      clock: o.clock
    }, this.#pipeline)
  }

  #addNode (url: string): void {
    const known = this.#router.get(url) !== undefined
    if (this.#router.add(url) === null) return
    this.#settler.nodeJoined()
    // A removed node announced again is back; a new node just joins.
    if (known) this.emit('node-up', { url })
    this.#router.unpark()
  }

  #removeNode (url: string): void {
    const p = this.#router.get(url)
    if (p !== undefined) this.#pipeline.nodeFailed(p, new NoServersError(`${url} left the cluster`), null, 'removed')
  }

  /** Fails every file not yet settled (destroy, close timeout). */
  #abortAll (err: Error): void {
    this.#settler.abortAll(err, this.#pipeline.takeVerifying())
  }

  // ---------------------------------------------------------------- report

  #report (): StreamReport {
    const c = this.#counters
    const nodes: Record<string, NodeReport> = {}
    for (const p of this.#router.pushers) nodes[p.url] = { files: p.files, bytes: p.bytes, retries: p.retries, state: p.state }
    return {
      files: c.files,
      bytes: c.bytes,
      durationMs: this.#durationMs >= 0 ? this.#durationMs : performance.now() - this.#startedAt,
      nodes,
      failed: [...c.failed],
      dropped: c.dropped,
      spilled: c.spilled,
      rerouted: this.#router.rerouted,
      retries: c.retries,
      verified: c.verified,
      journal: this.#settler.journalKept
    }
  }
}

