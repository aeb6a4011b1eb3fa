/**
 * The Streamer: puts files on a set of data servers through one pipelined pusher per node,
 * with a separate acknowledgement path, a byte budget and an explicit overflow policy, and
 * accounts for every file (PROTOCOL.md §6, requirements §6.10; docs in README "## Streamer").
 *
 * ```
 *  put/putFrame ─► budget ─┬─ memory ─► route (distribution, re-route) ─► NodePusher × N ─► servers
 *                          ├─ spill journal ─(replay in order as bytes are released)─┘        │
 *                          └─ drop (counted, 'drop')                                        answers
 *  putFrame ─► EncodeStage (worker pool) ─► the item's place in its node's queue             │
 *  AckPipeline ◄───────────────────────────────────────────────────────────────────────────────┘
 *     stored ─► release bytes, 'ack', barriers │ failed ─► report │ node down ─► re-send elsewhere
 * ```
 *
 * The parts: put-arguments (checks, hints), overflow-gate (where a put goes, 'drain'),
 * memory-budget, spill-queue, item-router + node-pusher (sending), ack-pipeline (answers),
 * encode-stage, barrier-set, stream-report, ack-ticker (the coarse clock); this class wires
 * them and settles each file.
 */
import { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import {
  ClosedError, DestroyedError, InvalidArgumentError, NoServersError,
  OperationTimeoutError, StoreFailedError, type JournalError as JournalErrorType
} from '../errors.js'
import { encodeClusterPath } from '../internal/cluster-path.js'
import type { ClockTimer } from '../internal/clock.js'
import { AckTicker } from './ack-ticker.js'
import { AckPipeline, type AckSink } from './ack-pipeline.js'
import { BarrierSet, type PendingBarrier } from './barrier-set.js'
import { ackChannel, dropChannel, retryChannel } from './diagnostics.js'
import { DiscoveryFollower } from './discovery-follower.js'
import { resolveDistribution } from './distribution.js'
import { EncodeStage, type EncodeSink } from './encode-stage.js'
import type { EncodedFrame } from './frame-encoder.js'
import { MemoryBudget } from './memory-budget.js'
import { NodePusher } from './node-pusher.js'
import { ItemRouter } from './item-router.js'
import { OverflowGate, DROP, SPILL } from './overflow-gate.js'
import { SpillQueue, spilledPixels, spillRecord } from './spill-queue.js'
import { ItemState, StreamItem, type Ack, type FramePixels, type ItemWaiter } from './stream-item.js'
import { StreamCounters, type FailedPut, type NodeReport, type StreamReport, type StreamStats } from './stream-report.js'
import { bytesArgs, bytesRecord, checkIndex, filePath, isPixels, toBuffer, type BarrierOptions, type FrameHint, type PutHint, type PutRecord } from './put-arguments.js'
import type { StreamerEvents } from './streamer-events.js'
import { resolveStreamerOptions, type ResolvedStreamerOptions, type StreamerOptions } from './streamer-options.js'


/** Pipelined, accounted streaming of files to PYME data servers. */
export class Streamer extends EventEmitter<StreamerEvents> {
  readonly #o: ResolvedStreamerOptions
  readonly #router: ItemRouter
  readonly #budget: MemoryBudget
  readonly #counters = new StreamCounters()
  readonly #pipeline: AckPipeline
  readonly #encoder: EncodeStage | null
  readonly #barriers = new BarrierSet()
  readonly #spill: SpillQueue
  readonly #gate: OverflowGate
  readonly #startedAt = performance.now()
  readonly #ticker: AckTicker
  #seq = 0
  #outstanding = 0
  #state: 'open' | 'closing' | 'closed' | 'destroyed' = 'open'
  #closing: Promise<StreamReport> | null = null
  #destroyed: Promise<StreamReport> | null = null
  #onIdle: (() => void) | null = null
  #journalKept: string | null = null
  #durationMs = -1
  readonly #follower: DiscoveryFollower

  constructor (options: StreamerOptions) {
    super()
    const o = resolveStreamerOptions(options)
    this.#o = o
    this.#budget = new MemoryBudget(o.memoryBudget)
    this.#spill = new SpillQueue(o.spillDir, o.spillLimit)
    this.#gate = new OverflowGate(o.overflow, this.#budget, this.#spill)
    const sink = this.#ackSink()
    this.#pipeline = new AckPipeline(sink, o.maxAttempts, o.ackTimeoutMs)
    this.#router = new ItemRouter(resolveDistribution(o.distribution, o.chunkSize), (url, index) => this.#newPusher(url, index), (item, err) => { this.#failed(item, err) })
    // Reused frame buffers never hold more than the budget allows in flight.
    this.#encoder = o.filter === undefined ? null : new EncodeStage(o.filter, this.#encodeSink(), o.encoderPool, o.encoderThreads, o.memoryBudget)
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
    return this.#accept(bytesArgs(path, data, hint, 'putFrame'), null)
  }

  /**
   * Queues frame pixels for `path`; the configured `filter` turns them into the bytes to send on
   * the worker pool. Same return contract as `put`. Requires the `filter` option.
   */
  putFrame (path: string, pixels: FramePixels, frame?: FrameHint): boolean {
    return this.#accept(this.#frameRecord(path, pixels, frame), null)
  }

  /**
   * `put`, waiting for room first (`'block'` policy), resolving when the file is stored.
   * Rejects with the file's failure, with `StoreFailedError` if it was dropped, or
   * `ClosedError`/`DestroyedError`.
   */
  async putAsync (path: string, data: Uint8Array, hint?: PutHint): Promise<Ack> {
    this.#checkOpen()
    return this.#whenRoom(bytesArgs(path, data, hint, 'putFrameAsync'))
  }

  /**
   * `putFrame`, waiting for room first, resolving when the encoded file is stored. The pixels
   * are taken (framed, or copied once) before this returns, so the caller may reuse them at once.
   */
  async putFrameAsync (path: string, pixels: FramePixels, frame?: FrameHint): Promise<Ack> {
    return this.#whenRoom(this.#frameRecord(path, pixels, frame))
  }

  /**
   * Sends `data` only once every file put before it is settled; later puts are not held back.
   * Resolves when it is stored. If an earlier file failed it rejects with `StoreFailedError`
   * naming them, unless `sendAnyway`. Its bytes are held outside the overflow policy (it is
   * meant for small completion markers such as `events.json`).
   */
  async putAfterAll (path: string, data: Uint8Array, options?: BarrierOptions): Promise<Ack> {
    this.#checkOpen()
    const { path: p, body } = bytesArgs(path, data, undefined, '') as { path: string, body: Buffer }
    return await new Promise<Ack>((resolve, reject) => {
      const item = new StreamItem(this.#seq++, p, '/' + encodeClusterPath(p), -1, false, true)
      item.waiter = { resolve, reject }
      item.body = body
      item.charged = body.byteLength
      item.sendAnyway = options?.sendAnyway === true
      this.#budget.charge(item.charged)
      const earlier = this.#outstanding
      this.#outstanding++
      if (earlier === 0) {
        this.#router.route(item)
      } else {
        item.state = ItemState.WAITING
        this.#barriers.add(item, earlier)
      }
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
      pending: this.#outstanding,
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
   * Stops accepting files, waits (at most `closeTimeoutMs`) until every file is acknowledged
   * or failed, then closes the connections. Resolves to the report; rejects with
   * `StoreFailedError` (report attached) if any file could not be stored. Idempotent.
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
    const reason = new DestroyedError(err === undefined ? 'streamer destroyed' : `streamer destroyed: ${err.message}`, err === undefined ? undefined : { cause: err })
    this.#abortAll(reason)
    this.#ticker.stop()
    this.#durationMs = performance.now() - this.#startedAt
    this.#onIdle?.()
    const teardown: Promise<unknown>[] = []
    if (this.#encoder !== null) teardown.push(this.#encoder.destroy())
    teardown.push(this.#follower.release())
    if (err !== undefined && this.listenerCount('error') > 0) this.emit('error', err)
    this.#destroyed = Promise.allSettled(teardown).then(() => this.#report())
    return this.#destroyed
  }

  async #close (): Promise<StreamReport> {
    if (this.#outstanding > 0) {
      let timer: ClockTimer | null = null
      await new Promise<void>((resolve) => {
        this.#onIdle = resolve
        // A ref'd timer: a process awaiting close() stays alive until it is settled.
        timer = this.#o.clock.timeout(resolve, this.#o.closeTimeoutMs, true)
      })
      this.#onIdle = null
      ;(timer as ClockTimer | null)?.cancel()
    }
    if (this.#state !== 'destroyed') {
      if (this.#outstanding > 0) {
        this.#abortAll(new OperationTimeoutError(`not acknowledged within closeTimeoutMs (${this.#o.closeTimeoutMs} ms)`))
      }
      this.#state = 'closed'
      this.#ticker.stop()
      const closing: Promise<unknown>[] = this.#router.pushers.map((p) => p.close())
      if (this.#encoder !== null) closing.push(this.#encoder.close())
      closing.push(this.#follower.release())
      await Promise.allSettled(closing)
      this.#durationMs = performance.now() - this.#startedAt
    }
    const report = this.#report()
    if (report.failed.length > 0) {
      throw new StoreFailedError(`${report.failed.length} file(s) could not be stored`, report.failed.map((f) => f.path), report)
    }
    return report
  }

  #checkOpen (): void {
    if (this.#state === 'open') return
    if (this.#state === 'destroyed') throw new DestroyedError('streamer destroyed')
    throw new ClosedError('streamer closed')
  }

  // ---------------------------------------------------------------- admission

  /**
   * Checks a put of pixels and takes them: a raw PZF frame is framed now (a header and one copy
   * into reused memory, or none when the caller gives the pixels up); anything else is staged
   * (one copy, or the caller's transferred buffer) for the worker pool.
   */
  #frameRecord (path: string, pixels: FramePixels, frame: FrameHint | undefined): PutRecord {
    this.#checkOpen()
    const p = filePath(path)
    const encoder = this.#encoder
    if (encoder === null) throw new InvalidArgumentError('putFrame needs the filter option (use put for bytes)')
    if (!isPixels(pixels)) throw new InvalidArgumentError('invalid pixels: expected a Uint8Array, Uint16Array or Float32Array')
    const index = checkIndex(frame?.index)
    if (frame?.encode !== undefined && (typeof frame.encode !== 'object' || frame.encode === null)) throw new InvalidArgumentError('invalid encode: expected PZF options')
    const encode = encoder.pzfOptions(frame?.encode ?? null, index)
    if (encode !== null && encode.shape === undefined) throw new InvalidArgumentError('invalid encode: no shape in filter.pzf or the frame options')
    const transfer = frame?.transfer === true
    const now = encoder.now(pixels, encode, transfer)
    if (now !== null) return bytesRecord(p, index, now.head, now.body, now.release)
    const staged = encoder.stage(pixels, transfer)
    return { path: p, index, head: null, body: null, release: () => { encoder.discard(staged) }, pixels: staged, encode, arg: frame?.arg, size: staged.byteLength }
  }

  /**
   * The async puts: waits in the budget's FIFO until `bytes` fit, if it must, then `accept`s
   * synchronously. The room stays reserved from the wake-up to the admission, so nobody can
   * take it meanwhile; without a wait the admission happens in the caller's call, so its next
   * put sees these bytes. Returns the acknowledgement's promise, never awaits it: a suspended
   * frame would keep the data alive until the answer, and a file spilled to the journal must
   * not stay in memory (the budget would be a fiction).
   */
  async #whenRoom (put: PutRecord): Promise<Ack> {
    const bytes = put.size
    const waited = this.#gate.mustWait(bytes)
    if (waited) {
      try {
        await this.#budget.waitFor(bytes)
      } catch (err) {
        put.release?.()
        throw err
      }
    }
    return new Promise<Ack>((resolve, reject) => {
      if (this.#state !== 'open') {
        if (waited) this.#budget.unreserve(bytes)
        put.release?.()
      }
      this.#checkOpen()
      if (waited) this.#budget.claim(bytes)
      this.#accept(put, { resolve, reject })
    })
  }

  #accept (put: PutRecord, waiter: ItemWaiter | null): boolean {
    const size = put.size
    const where = this.#gate.place(size)
    const seq = this.#seq++
    if (where === DROP) {
      put.release?.()
      this.#counters.dropped++
      if (dropChannel.hasSubscribers) dropChannel.publish({ path: put.path, bytes: size, reason: 'memory budget full' })
      this.emit('drop', { path: put.path, bytes: size })
      waiter?.reject(new StoreFailedError(`${put.path} dropped: memory budget full (overflow: 'drop')`, [put.path]))
      return false
    }
    if (where === SPILL) {
      let bytes: number
      try {
        bytes = this.#spill.append(spillRecord(seq, put), waiter)
      } finally {
        // Written to the journal (synchronously) or refused: the memory is free either way.
        put.release?.()
      }
      this.#outstanding++
      this.#counters.spilled++
      this.emit('spill', { path: put.path, bytes })
      this.#replay()
      return this.#gate.roomAfterSpill(size)
    }
    this.#outstanding++
    this.#admit(seq, put, waiter, false)
    return this.#gate.roomAfterMemory(size)
  }

  #admit (seq: number, put: PutRecord, waiter: ItemWaiter | null, spilled: boolean): void {
    const item = new StreamItem(seq, put.path, '/' + encodeClusterPath(put.path), put.index, put.pixels !== null, false)
    item.waiter = waiter
    item.spilled = spilled
    item.charged = put.size
    this.#budget.charge(item.charged)
    if (put.body !== null) {
      item.head = put.head
      item.body = put.body
      item.release = put.release
      this.#router.route(item)
      return
    }
    // Staged pixels: the encoder gives their buffer back once encoded; #settle if never encoded.
    item.pixels = put.pixels
    item.encode = put.encode
    item.filterArg = put.arg
    item.state = ItemState.ENCODING
    // Route first: the frame keeps its place in its node's queue while it is encoded.
    this.#router.route(item)
    if (item.state !== ItemState.ENCODING) return
    this.#counters.encoding++
    ;(this.#encoder as EncodeStage).run(item)
  }

  /** Moves spilled files back into memory, in order, while they fit. */
  #replay (): void {
    if (this.#state === 'destroyed') return
    for (;;) {
      const size = this.#spill.nextSize()
      if (size < 0 || !this.#budget.fits(size)) return
      let next
      try {
        next = this.#spill.next()
      } catch (err) {
        this.#failSpilled(err as JournalErrorType)
        return
      }
      if (next === null) return
      const r = next.record
      const put: PutRecord = r.kind === 'bytes'
        ? bytesRecord(r.path, r.index, null, toBuffer(r.data), null)
        : { path: r.path, index: r.index, head: null, body: null, release: null, pixels: spilledPixels(r), encode: r.encode ?? null, arg: r.arg, size: r.data.byteLength }
      this.#admit(r.seq, put, next.waiter, true)
    }
  }

  /** The journal is damaged: every file still in it fails. */
  #failSpilled (err: JournalErrorType): void {
    const { files, journal } = this.#spill.abort()
    this.#journalKept = journal
    for (const f of files) {
      const item = new StreamItem(f.seq, f.path, '', -1, false, false)
      item.waiter = f.waiter
      this.#failed(item, err)
    }
  }

  // ---------------------------------------------------------------- nodes

  #newPusher (url: string, index: number): NodePusher {
    const o = this.#o
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
    // A removed node announced again is back; a new node just joins.
    if (known) this.emit('node-up', { url })
    this.#router.unpark()
  }

  #removeNode (url: string): void {
    const p = this.#router.get(url)
    if (p !== undefined) this.#pipeline.nodeFailed(p, new NoServersError(`${url} left the cluster`), null, 'removed')
  }

  // ---------------------------------------------------------------- settling

  #ackSink (): AckSink {
    return {
      stored: (item, pusher, verified) => { this.#stored(item, pusher, verified) },
      failed: (item, err) => { this.#failed(item, err) },
      reroute: (item) => { this.#router.route(item) },
      retried: (item, pusher, err) => {
        this.#counters.retries++
        if (retryChannel.hasSubscribers) retryChannel.publish({ path: item.path, node: pusher.url, attempt: item.attempts, error: err })
        if (this.listenerCount('retry') > 0) this.emit('retry', { path: item.path, node: pusher.url, attempt: item.attempts, error: err })
      },
      nodeDown: (pusher, err) => {
        this.emit('node-down', { url: pusher.url, state: pusher.state, error: err })
      },
      nodeUp: (pusher) => { this.#nodeUp(pusher) }
    }
  }

  #encodeSink (): EncodeSink {
    return {
      encoded: (item, frame) => { this.#encoded(item, frame) },
      encodeFailed: (item, err) => {
        this.#counters.encoding--
        this.#failed(item, err)
      }
    }
  }

  #encoded (item: StreamItem, frame: EncodedFrame): void {
    this.#counters.encoding--
    if (item.settled) {
      frame.release?.()
      return
    }
    // The staged pixels went back to the encoder; the item now holds the encoded bytes.
    item.release = frame.release
    item.head = frame.head
    item.body = frame.body
    const delta = item.size - item.charged
    item.charged = item.size
    item.state = ItemState.QUEUED
    if (delta > 0) this.#budget.charge(delta)
    if (item.node >= 0) {
      const p = this.#router.pushers[item.node] as NodePusher
      p.requeued(delta)
      p.pump()
    }
    if (delta < 0) this.#released(-delta)
  }

  #nodeUp (pusher: NodePusher): void {
    this.emit('node-up', { url: pusher.url })
    this.#router.unpark()
  }

  #stored (item: StreamItem, pusher: NodePusher, verified: boolean): void {
    if (item.settled) return
    item.state = ItemState.STORED
    const bytes = item.size
    const c = this.#counters
    c.files++
    c.bytes += bytes
    if (verified) c.verified++
    pusher.files++
    pusher.bytes += bytes
    if (item.waiter !== null || ackChannel.hasSubscribers || this.listenerCount('ack') > 0) {
      const ack: Ack = { path: item.path, node: pusher.url, bytes, attempts: item.attempts, verified }
      if (ackChannel.hasSubscribers) ackChannel.publish(ack)
      this.emit('ack', ack)
      item.waiter?.resolve(ack)
    }
    this.#settle(item, false)
  }

  #failed (item: StreamItem, err: Error): void {
    if (item.settled) return
    item.state = ItemState.FAILED
    const failure: FailedPut = { path: item.path, error: err }
    this.#counters.failed.push(failure)
    if (dropChannel.hasSubscribers) dropChannel.publish({ path: item.path, bytes: item.charged, reason: err.message })
    if (this.listenerCount('fail') > 0) this.emit('fail', failure)
    item.waiter?.reject(err)
    this.#settle(item, true)
  }

  #settle (item: StreamItem, failed: boolean): void {
    const bytes = item.charged
    if (item.pixels !== null) this.#encoder?.discard(item.pixels)
    item.releaseIfDone()
    item.head = null
    item.body = null
    item.pixels = null
    item.charged = 0
    item.waiter = null
    this.#outstanding--
    if (item.spilled) this.#spill.settledOne()
    if (this.#barriers.size > 0) {
      const released = this.#barriers.settled(item, failed)
      if (released !== null) for (const b of released) this.#releaseBarrier(b)
    }
    this.#released(bytes)
    if (this.#outstanding === 0) this.#onIdle?.()
  }

  #releaseBarrier (b: PendingBarrier): void {
    const item = b.item
    if (b.earlierFailed.length > 0 && !item.sendAnyway) {
      this.#failed(item, new StoreFailedError(`${item.path} not sent: ${b.earlierFailed.length} earlier file(s) failed`, b.earlierFailed))
      return
    }
    item.state = ItemState.QUEUED
    this.#router.route(item)
  }

  #released (bytes: number): void {
    this.#budget.release(bytes)
    if (this.#spill.pending > 0) this.#replay()
    if (this.#state === 'open' && this.#gate.drainDue()) this.emit('drain')
  }

  /** Fails every file not yet settled (destroy, close timeout). */
  #abortAll (err: Error): void {
    for (const p of this.#router.pushers) for (const item of p.destroy(err)) this.#failed(item, err)
    this.#router.drainParked((item) => { this.#failed(item, err) })
    for (const b of this.#barriers.takeAll()) this.#failed(b.item, err)
    for (const item of this.#pipeline.takeVerifying()) this.#failed(item, err)
    const { files, journal } = this.#spill.abort()
    if (journal !== null) this.#journalKept = journal
    for (const f of files) {
      const item = new StreamItem(f.seq, f.path, '', -1, false, false)
      item.waiter = f.waiter
      this.#failed(item, err)
    }
    this.#budget.rejectWaiters(err)
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
      journal: this.#journalKept
    }
  }
}

