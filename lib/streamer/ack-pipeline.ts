/**
 * The acknowledgement path: turns each answer (or failure) of a pusher into an outcome, apart
 * from the send side. PROTOCOL.md §6.9–6.10.
 *
 * | answer                              | outcome                                                      |
 * |-------------------------------------|--------------------------------------------------------------|
 * | 2xx                                 | stored                                                       |
 * | 405 to a file never written there   | failed: AlreadyExistsError (someone else's file)             |
 * | 405 to a re-sent file               | HEAD: same size → stored (`verified`), else AlreadyExists    |
 * | 507                                 | node full: queued files go elsewhere, this file is re-sent   |
 * | other 5xx, reset, refused, timeout  | node down: every unanswered file is re-sent elsewhere        |
 * | other 4xx                           | failed: HttpStatusError (the request itself is refused;      |
 * |                                     | marking the node down would walk the file across the cluster)|
 *
 * A re-send counts against `maxAttempts`; files merely queued on a failing node move without
 * penalty. Ack timeouts come from one coarse ticker over the nodes (a node with requests in
 * flight and no answer for `ackTimeoutMs` is down), never from a timer per file.
 */
import { AckTimeoutError, AlreadyExistsError, HttpStatusError, NodeUnreachableError, PymeError } from '../errors.js'
import { ItemState, type StreamItem } from './stream-item.js'
import type { NodePusher, PusherOwner, SendHandler } from './node-pusher.js'

const AGGREGATE_H5 = '/__aggregate_h5/'

/**
 * Where a PUT's file can be read back for the 405 size check: the target itself, except for
 * PYME's `cluster_h5` appends (`/__aggregate_h5/<series>.h5/<member>`), whose members the
 * server serves in the series view `/<series>.h5/<member>` (docs/hdf5.md).
 */
function storedTarget (target: string): string {
  return target.startsWith(AGGREGATE_H5) ? target.slice(AGGREGATE_H5.length - 1) : target
}

/** What the pipeline needs from the streamer. */
export interface AckSink {
  stored (item: StreamItem, pusher: NodePusher, verified: boolean): void
  failed (item: StreamItem, err: Error): void
  /** Route a file again (its previous node is unusable or refused it for now). */
  reroute (item: StreamItem): void
  retried (item: StreamItem, pusher: NodePusher, err: Error): void
  nodeDown (pusher: NodePusher, err: Error): void
  nodeUp (pusher: NodePusher): void
}

/** Settles answers; owns the retry policy and the ack-timeout check. */
export class AckPipeline implements PusherOwner {
  readonly #sink: AckSink
  readonly #maxAttempts: number
  readonly #ackTimeoutMs: number
  /** Files whose 405 is being checked (HEAD in progress). */
  readonly #verifying = new Set<StreamItem>()

  constructor (sink: AckSink, maxAttempts: number, ackTimeoutMs: number) {
    this.#sink = sink
    this.#maxAttempts = maxAttempts
    this.#ackTimeoutMs = ackTimeoutMs
  }

  onResponse (pusher: NodePusher, h: SendHandler): void {
    const status = h.status
    const item = h.item
    if (item.settled) {
      // Given up while in flight (a close deadline): only what the answer says of the node counts.
      if (status >= 500) this.nodeFailed(pusher, new HttpStatusError(`${pusher.url} answered ${status} to PUT ${item.path}`, status, pusher.url), null)
      return
    }
    if (status >= 200 && status < 300) {
      pusher.resetBackoff()
      this.#sink.stored(item, pusher, false)
    } else if (status === 405) {
      // Our own earlier copy is possible only if this node got the file before: from an
      // earlier dispatch, or from undici re-writing it after a reset.
      if (h.resent || h.writes > 1) this.#verify(pusher, h)
      else this.#sink.failed(item, new AlreadyExistsError(`${item.path} already exists on ${pusher.url}`))
    } else if (status === 507) {
      const err = new HttpStatusError(`${pusher.url} is full (507) for ${item.path}`, status, pusher.url)
      const queued = pusher.markFull()
      this.#sink.nodeDown(pusher, err)
      this.#retry(item, pusher, err)
      for (const q of queued) this.#sink.reroute(q)
    } else if (status >= 500) {
      this.nodeFailed(pusher, new HttpStatusError(`${pusher.url} answered ${status} to PUT ${item.path}`, status, pusher.url), item)
    } else {
      this.#sink.failed(item, new HttpStatusError(`${pusher.url} refused ${item.path} with ${status}`, status, pusher.url))
    }
  }

  onSendError (pusher: NodePusher, h: SendHandler, err: Error): void {
    const wrapped = err instanceof PymeError
      ? err
      : new NodeUnreachableError(`${pusher.url}: ${err.message} (PUT ${h.item.path})`, { cause: err })
    this.nodeFailed(pusher, wrapped, h.item.settled ? null : h.item)
  }

  onNodeUp (pusher: NodePusher): void {
    this.#sink.nodeUp(pusher)
  }

  onProbeFailed (): void {
    // The pusher re-schedules its probe with a longer back-off; nothing to settle.
  }

  /**
   * Marks `pusher` down and re-sends what it held. `item` (already taken off the pusher) is the
   * file whose failure revealed it, if any.
   */
  nodeFailed (pusher: NodePusher, err: Error, item: StreamItem | null, state: 'down' | 'removed' = 'down'): void {
    // Reported once per transition, idle or not: a monitor must see a node leave even when it
    // held nothing at that moment.
    const live = pusher.state === 'up' || pusher.state === 'full'
    const held = live ? pusher.markDown(err, state) : []
    if (live || item !== null) this.#sink.nodeDown(pusher, err)
    if (item !== null) this.#retry(item, pusher, err)
    for (const other of held) {
      if (other.settled) continue
      if (other.state === ItemState.IN_FLIGHT) this.#retry(other, pusher, err)
      else this.#sink.reroute(other)
    }
  }

  /** The coarse ack-timeout check, run by the streamer's ticker. */
  tick (now: number, pushers: readonly NodePusher[]): void {
    for (const p of pushers) {
      // A full node still owes answers for what it had in flight: it can hang too.
      if ((p.state === 'up' || p.state === 'full') && p.stalled(now, this.#ackTimeoutMs)) {
        this.nodeFailed(p, new AckTimeoutError(`${p.url} answered nothing for ${this.#ackTimeoutMs} ms with ${p.inFlight} request(s) in flight`), null)
      }
    }
  }

  /**
   * The event loop was blocked since the last tick: answers could not be read, so no node is
   * to blame; every node with requests in flight starts its ack timeout afresh.
   */
  excuse (now: number, pushers: readonly NodePusher[]): void {
    for (const p of pushers) if (p.inFlight > 0) p.lastProgress = now
  }

  /** Abort: the files being verified (those `select` accepts; all by default), taken over by the caller. */
  takeVerifying (select: (item: StreamItem) => boolean = () => true): StreamItem[] {
    const items = [...this.#verifying].filter(select)
    for (const item of items) this.#verifying.delete(item)
    return items
  }

  #retry (item: StreamItem, pusher: NodePusher, err: Error): void {
    pusher.retries++
    if (item.attempts >= this.#maxAttempts) {
      this.#sink.failed(item, err)
      return
    }
    item.state = ItemState.QUEUED
    item.lastError = err
    this.#sink.retried(item, pusher, err)
    this.#sink.reroute(item)
  }

  #verify (pusher: NodePusher, h: SendHandler): void {
    const item = h.item
    item.state = ItemState.VERIFYING
    this.#verifying.add(item)
    pusher.remoteSize(storedTarget(item.target)).then((size) => {
      if (!this.#verifying.delete(item)) return
      if (size === h.bytes) this.#sink.stored(item, pusher, true)
      else if (size < 0) {
        // Gone again between the 405 and the HEAD (removed by hand?): send it once more.
        this.#retry(item, pusher, new NodeUnreachableError(`${pusher.url}: ${item.path} answered 405, then vanished`))
      } else {
        this.#sink.failed(item, new AlreadyExistsError(
          `${item.path} already exists on ${pusher.url} with ${size} bytes, not the ${h.bytes} sent`))
      }
    }, (err: Error) => {
      if (!this.#verifying.delete(item)) return
      this.#retry(item, pusher, new NodeUnreachableError(`${pusher.url}: cannot check the size of ${item.path}`, { cause: err }))
    })
  }
}
