/**
 * One data server: an undici `Client` (or a small `Pool`) with keep-alive and HTTP/1.1
 * pipelining, a FIFO of files routed to this node, and a bounded in-flight window.
 *
 * ```
 *   enqueue ─► queue (RingQueue, put order) ─pump─► undici (pipelined PUTs) ─► server
 *                                    ▲                    │ answers, in order
 *          window: count ≤ pipelining × connections,      ▼
 *                  bytes ≤ windowBytes (≥ 1 request) ◄─ SendHandler → owner.onResponse
 * ```
 *
 * The send side never waits for answers: `pump()` writes while the window has room; answers are
 * settled on their own path (`SendHandler` → `PusherOwner`). Health: `up` → `down` (reset,
 * refused, 5xx, ack timeout; the client is destroyed so nothing more is written, and a probe
 * with bounded exponential back-off brings the node back) or `full` (507: files go elsewhere
 * until the back-off expires). PROTOCOL.md §6.10.
 */
import { Client, Pool, type Dispatcher } from 'undici'
import { sendChannel } from './diagnostics.js'
import { systemClock, type Clock, type ClockTimer } from '../internal/clock.js'
import { RingQueue } from '../internal/ring-queue.js'
import { ItemState, type StreamItem } from './stream-item.js'
import type { NodeState, NodeView } from './distribution.js'

/** What a pusher reports to its owner (the streamer's acknowledgement path). */
export interface PusherOwner {
  /** A complete HTTP answer for `handler`'s request. */
  onResponse (pusher: NodePusher, handler: SendHandler): void
  /** The request failed without an answer (reset, refused, aborted). */
  onSendError (pusher: NodePusher, handler: SendHandler, err: Error): void
  /** The node is usable again (probe answered or the `full` back-off expired). */
  onNodeUp (pusher: NodePusher): void
  /** A probe of a down node failed (for diagnostics). */
  onProbeFailed (pusher: NodePusher, err: Error): void
}

/** Settings of one pusher (resolved streamer options). */
export interface NodePusherOptions {
  readonly url: string
  readonly index: number
  readonly pipelining: number
  readonly connections: number
  readonly windowBytes: number
  /** Timeout of probes and size checks. */
  readonly probeTimeoutMs: number
  readonly backoffMinMs: number
  readonly backoffMaxMs: number
  /** Coarse clock (ms), advanced by the streamer's ticker. */
  readonly now: () => number
  /** Timers of the back-off. @default systemClock */
  readonly clock?: Clock
}

/**
 * The undici handler of one PUT. One small object per request (undici allocates its own
 * `Request` per dispatch anyway); a handler that was given up (node marked down) is `settled`
 * and its late callbacks are ignored.
 */
export class SendHandler implements Dispatcher.DispatchHandler {
  readonly item: StreamItem
  readonly pusher: NodePusher
  /** The item had been written to this node before this dispatch (a 405 may be our own copy). */
  readonly resent: boolean
  readonly bytes: number
  status = 0
  /** Times undici wrote the request (it re-writes idempotent requests after a reset). */
  writes = 0
  settled = false

  constructor (pusher: NodePusher, item: StreamItem, resent: boolean, bytes: number) {
    this.pusher = pusher
    this.item = item
    this.resent = resent
    this.bytes = bytes
  }

  onConnect (): void { this.writes++ }

  onHeaders (statusCode: number): boolean {
    // 1xx answers (100 Continue) come before the final one; keep the last status.
    this.status = statusCode
    return true
  }

  onData (): boolean { return true }

  onComplete (): void { this.pusher.handleComplete(this) }

  onError (err: Error): void { this.pusher.handleError(this, err) }
}

/** One data server's send pipeline. */
export class NodePusher implements NodeView {
  readonly url: string
  readonly index: number
  state: NodeState = 'up'
  inFlight = 0
  inFlightBytes = 0
  queued = 0
  queuedBytes = 0
  /** Files stored on this node, their bytes, and failures that moved files elsewhere. */
  files = 0
  bytes = 0
  retries = 0
  /** Coarse time of the last answer (or of the first write into an empty window). */
  lastProgress = 0
  readonly #opts: NodePusherOptions
  readonly #owner: PusherOwner
  readonly #windowCount: number
  readonly #queue = new RingQueue<StreamItem>(64)
  readonly #inflight = new RingQueue<SendHandler>(64)
  #client: Dispatcher | null = null
  #control: Client | null = null
  /** Connections being closed gracefully, until `cut` (a close deadline) destroys them. */
  #closing: Dispatcher[] = []
  #timer: ClockTimer | null = null
  #backoff: number
  #closed = false

  constructor (opts: NodePusherOptions, owner: PusherOwner) {
    this.url = opts.url
    this.index = opts.index
    this.#opts = opts
    this.#owner = owner
    this.#windowCount = opts.pipelining * opts.connections
    this.#backoff = opts.backoffMinMs
  }

  /** Routed files are beyond a second full window: new files should go elsewhere. */
  get saturated (): boolean {
    return this.queued >= this.#windowCount || this.queuedBytes >= this.#opts.windowBytes
  }

  /** Whether nothing is queued or in flight. */
  get idle (): boolean { return this.queued === 0 && this.inFlight === 0 }

  /** Appends a routed file and writes what the window allows. */
  enqueue (item: StreamItem): void {
    this.#queue.push(item)
    this.queued++
    this.queuedBytes += item.charged
    this.pump()
  }

  /** Writes queued files, in order, while the window has room; stops at a file still encoding. */
  pump (): void {
    if (this.state !== 'up' || this.#closed) return
    const q = this.#queue
    let item = q.peek()
    while (item !== undefined) {
      if (item.state !== ItemState.QUEUED || item.node !== this.index) {
        // Settled (encode failure, destroy) or re-routed while queued: drop the stale entry.
        if (item.state === ItemState.ENCODING && item.node === this.index) return
        q.shift()
        this.queued--
        this.queuedBytes -= item.charged
        item = q.peek()
        continue
      }
      const size = item.size
      if (this.inFlight >= this.#windowCount) return
      if (this.inFlight > 0 && this.inFlightBytes + size > this.#opts.windowBytes) return
      q.shift()
      this.queued--
      this.queuedBytes -= item.charged
      this.#dispatch(item, size)
      item = q.peek()
    }
  }

  #dispatch (item: StreamItem, size: number): void {
    const handler = new SendHandler(this, item, item.wasSentTo(this.index), size)
    item.state = ItemState.IN_FLIGHT
    item.sends++
    item.attempts++
    item.markSent(this.index)
    if (this.inFlight === 0) this.lastProgress = this.#opts.now()
    this.inFlight++
    this.inFlightBytes += handler.bytes
    this.#inflight.push(handler)
    if (sendChannel.hasSubscribers) sendChannel.publish({ path: item.path, node: this.url, bytes: handler.bytes, attempt: item.attempts })
    // `idempotent: true, blocking: false` is what lets undici pipeline PUTs, and a Buffer body
    // (written with cork/uncork, no copy). Never an iterable body: undici writes those
    // asynchronously and, pipelined, asserts when an earlier answer arrives meanwhile (the
    // request fails): every file is one contiguous Buffer.
    this.#dispatcher().dispatch({
      origin: this.url,
      path: item.target,
      method: 'PUT',
      body: item.body,
      idempotent: true,
      blocking: false,
      headersTimeout: 0,
      bodyTimeout: 0
    }, handler)
  }

  #dispatcher (): Dispatcher {
    if (this.#client === null) {
      const common = {
        pipelining: this.#opts.pipelining,
        // PYME servers keep idle connections forever; ours too. Timeouts are the streamer's.
        keepAliveTimeout: 60_000,
        keepAliveMaxTimeout: 600_000,
        headersTimeout: 0,
        bodyTimeout: 0
      }
      this.#client = this.#opts.connections === 1
        ? new Client(this.url, common)
        : new Pool(this.url, { ...common, connections: this.#opts.connections })
    }
    return this.#client
  }

  /** @internal undici callback path. */
  handleComplete (h: SendHandler): void {
    this.#sendDone(h)
    if (h.settled) return
    this.#settle(h)
    this.lastProgress = this.#opts.now()
    this.#owner.onResponse(this, h)
    this.pump()
  }

  /** @internal undici callback path. */
  handleError (h: SendHandler, err: Error): void {
    this.#sendDone(h)
    if (h.settled) return
    this.#settle(h)
    this.#owner.onSendError(this, h, err)
    this.pump()
  }

  /** undici is done with this request (answered, errored, or aborted after we gave it up). */
  #sendDone (h: SendHandler): void {
    h.item.sends--
    // An item settled while this request was still in undici's hands gives its memory back now.
    h.item.releaseIfDone()
  }

  #settle (h: SendHandler): void {
    h.settled = true
    this.inFlight--
    this.inFlightBytes -= h.bytes
    // Answers come in order on one connection; with a pool they may not, so trim lazily.
    const ring = this.#inflight
    while (ring.length > 0 && (ring.peek() as SendHandler).settled) ring.shift()
  }

  /** Whether the node has requests in flight and answered none for `ms`. */
  stalled (now: number, ms: number): boolean {
    return this.inFlight > 0 && now - this.lastProgress > ms
  }

  /**
   * Marks the node down (or removed): destroys the connection so nothing more is written,
   * returns every file it held (in flight first, then queued, each in order) for re-routing,
   * and schedules a probe unless the node was removed.
   */
  markDown (err: Error, state: 'down' | 'removed' = 'down'): StreamItem[] {
    const items: StreamItem[] = []
    this.#inflight.drain((h) => {
      if (h.settled) return
      h.settled = true
      items.push(h.item)
    })
    this.inFlight = 0
    this.inFlightBytes = 0
    this.#takeQueued(items)
    this.state = state
    const client = this.#client
    this.#client = null
    if (client !== null) {
      // Not synchronously: markDown often runs inside an undici callback, and destroying the
      // client there breaks undici's own bookkeeping of the pipeline. Nothing is written before
      // the microtask runs (a reconnect is asynchronous), and late callbacks are ignored.
      queueMicrotask(() => { client.destroy(err).catch(() => { /* every request settles via onError */ }) })
    }
    if (state === 'down') this.#schedule(() => { this.#probe() })
    return items
  }

  /**
   * Marks the node full (507): queued files are returned for re-routing; files in flight get
   * their own answers. The node is tried again after the back-off.
   */
  markFull (): StreamItem[] {
    const items: StreamItem[] = []
    this.#takeQueued(items)
    if (this.state === 'up') {
      this.state = 'full'
      this.#schedule(() => {
        this.state = 'up'
        this.#owner.onNodeUp(this)
      })
    }
    return items
  }

  #takeQueued (into: StreamItem[]): void {
    this.#queue.drain((item) => {
      if (item.node === this.index && (item.state === ItemState.QUEUED || item.state === ItemState.ENCODING)) into.push(item)
    })
    this.queued = 0
    this.queuedBytes = 0
  }

  /** Appends the files this node holds (in flight, then queued), without letting go of them. */
  held (into: StreamItem[]): void {
    for (let i = 0; i < this.#inflight.length; i++) {
      const h = this.#inflight.at(i) as SendHandler
      if (!h.settled) into.push(h.item)
    }
    for (let i = 0; i < this.#queue.length; i++) {
      const item = this.#queue.at(i) as StreamItem
      if (item.node === this.index && (item.state === ItemState.QUEUED || item.state === ItemState.ENCODING)) into.push(item)
    }
  }

  /** A queued file's charge changed by `delta` bytes (its encoding finished). */
  requeued (delta: number): void {
    this.queuedBytes += delta
  }

  /** A removed node was announced again: usable at once. Returns whether it was revived. */
  revive (): boolean {
    if (this.state !== 'removed' || this.#closed) return false
    this.state = 'up'
    this.#backoff = this.#opts.backoffMinMs
    return true
  }

  /** A file was stored: the node is healthy, so the next failure starts a fresh back-off. */
  resetBackoff (): void {
    this.#backoff = this.#opts.backoffMinMs
  }

  #schedule (fn: () => void): void {
    if (this.#closed) return
    this.#timer?.cancel()
    const delay = this.#backoff
    this.#backoff = Math.min(this.#backoff * 2, this.#opts.backoffMaxMs)
    // Probes alone must not keep a process alive (keepAlive false); close() holds its own timer.
    this.#timer = (this.#opts.clock ?? systemClock).timeout(() => {
      this.#timer = null
      fn()
    }, delay, false)
  }

  #probe (): void {
    if (this.#closed || this.state !== 'down') return
    this.#controlClient().request({
      path: '/__status',
      method: 'GET',
      headersTimeout: this.#opts.probeTimeoutMs,
      bodyTimeout: this.#opts.probeTimeoutMs
    }).then(async (res) => {
      await res.body.dump()
      if (this.#closed || this.state !== 'down') return
      // Any HTTP answer means the server is alive again.
      this.state = 'up'
      this.lastProgress = this.#opts.now()
      this.#owner.onNodeUp(this)
    }, (err: Error) => {
      if (this.#closed || this.state !== 'down') return
      this.#owner.onProbeFailed(this, err)
      this.#schedule(() => { this.#probe() })
    })
  }

  /**
   * Size of `target` on this node from a HEAD request (`-1` when it does not exist). Used to
   * verify that a 405 answer to a re-sent file means our own earlier copy.
   */
  async remoteSize (target: string): Promise<number> {
    const res = await this.#controlClient().request({
      path: target,
      method: 'HEAD',
      headersTimeout: this.#opts.probeTimeoutMs,
      bodyTimeout: this.#opts.probeTimeoutMs
    })
    await res.body.dump()
    if (res.statusCode === 404) return -1
    if (res.statusCode !== 200) throw new Error(`HEAD ${target} answered ${res.statusCode}`)
    const len = Number(res.headers['content-length'])
    if (!Number.isSafeInteger(len)) throw new Error(`HEAD ${target} has no Content-Length`)
    return len
  }

  /** A separate one-request-at-a-time connection for probes and HEADs, so they never stall the pipeline. */
  #controlClient (): Client {
    if (this.#control === null) {
      this.#control = new Client(this.url, { pipelining: 1, keepAliveTimeout: 2_000 })
    }
    return this.#control
  }

  /** Closes the connections gracefully (answers to written requests are still read). */
  async close (): Promise<void> {
    this.#closed = true
    this.#timer?.cancel()
    this.#timer = null
    if (this.#client !== null) this.#closing.push(this.#client)
    if (this.#control !== null) this.#closing.push(this.#control)
    this.#client = null
    this.#control = null
    await Promise.allSettled(this.#closing.map((c) => c.close()))
  }

  /**
   * Destroys the connections now, also those `close()` is still waiting on (requests given up at a
   * close deadline to a server that never answers them). The node's state and counters stay.
   */
  cut (err: Error): void {
    this.#closed = true
    this.#timer?.cancel()
    this.#timer = null
    for (const c of [...this.#closing, this.#client, this.#control]) c?.destroy(err).catch(() => { /* nothing left to report */ })
    this.#closing = []
    this.#client = null
    this.#control = null
  }

  /** Aborts everything now; returns the files still held (for failure reporting). */
  destroy (err: Error): StreamItem[] {
    const items = this.state === 'up' || this.state === 'full' ? this.markDown(err, 'removed') : []
    this.#closed = true
    this.#timer?.cancel()
    this.#timer = null
    if (this.#control !== null) this.#control.destroy(err).catch(() => { /* nothing left to report */ })
    this.#control = null
    return items
  }
}
