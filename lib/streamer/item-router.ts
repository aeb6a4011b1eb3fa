/**
 * The node set and the routing of files: the distribution function's choice, deterministic
 * re-routing away from nodes that are down, full or saturated (`rerouteFrom`), and the files
 * that wait ("parked") while no node is up. Nodes are only ever appended, so a node's index,
 * and therefore the distribution of later files, stays stable when servers come and go.
 * A pinned copy (`putCopies`) goes to its own node only: skipped when another copy of the file
 * is stored, else parked until its node is back (or another copy is stored).
 */
import { InvalidArgumentError, NodeUnreachableError } from '../errors.js'
import { rerouteFrom, type DistributionFn } from './distribution.js'
import type { NodePusher } from './node-pusher.js'
import { RingQueue } from '../internal/ring-queue.js'
import type { StreamItem } from './stream-item.js'

/** The failure of a copy skipped because its node cannot take it and another copy is stored. */
export function skippedCopy (node: NodePusher, item: StreamItem): NodeUnreachableError {
  return new NodeUnreachableError(`${node.url} is ${node.state}: its copy of ${item.path} was not sent (another copy is stored)`)
}

/** Builds the pusher of a new node. */
export type PusherFactory = (url: string, index: number) => NodePusher

/** Routes files to nodes. */
export class ItemRouter {
  /** Every node ever known, in distribution order. */
  readonly pushers: NodePusher[] = []
  /** Files placed on another node than the distribution chose. */
  rerouted = 0
  readonly #byUrl = new Map<string, NodePusher>()
  readonly #parked = new RingQueue<StreamItem>(64)
  readonly #distribution: DistributionFn
  readonly #factory: PusherFactory
  readonly #fail: (item: StreamItem, err: Error) => void

  constructor (distribution: DistributionFn, factory: PusherFactory, fail: (item: StreamItem, err: Error) => void) {
    this.#distribution = distribution
    this.#factory = factory
    this.#fail = fail
  }

  /** Files waiting for a node to come up. */
  get parked (): number { return this.#parked.length }

  /** Every known node is down or removed (none is up, or full and coming back by itself). */
  get allDown (): boolean {
    return this.pushers.length > 0 && this.pushers.every((p) => p.state === 'down' || p.state === 'removed')
  }

  /** The pusher of `url`, if known. */
  get (url: string): NodePusher | undefined {
    return this.#byUrl.get(url)
  }

  /**
   * Adds a node (or revives a removed one). Returns the pusher when it is newly usable (the
   * caller then announces it and calls `unpark`), else `null`.
   */
  add (url: string): NodePusher | null {
    const known = this.#byUrl.get(url)
    if (known !== undefined) return known.revive() ? known : null
    const pusher = this.#factory(url, this.pushers.length)
    this.pushers.push(pusher)
    this.#byUrl.set(url, pusher)
    return pusher
  }

  /** Queues `item` on its node; parks it when no node is up; fails it on a bad distribution result. */
  route (item: StreamItem): void {
    const nodes = this.pushers
    const n = nodes.length
    if (n === 0) {
      this.#park(item)
      return
    }
    if (item.pinned >= 0) {
      this.#routePinned(item)
      return
    }
    if (item.chosen < 0) {
      let c: number
      try {
        c = this.#distribution(n, { index: item.index < 0 ? undefined : item.index, path: item.path, nodes })
      } catch (err) {
        this.#fail(item, new InvalidArgumentError(`distribution function threw for ${item.path}`, { cause: err }))
        return
      }
      if (!Number.isInteger(c) || c < 0 || c >= n) {
        this.#fail(item, new InvalidArgumentError(`distribution function returned ${String(c)} for ${item.path}; expected an integer from 0 to ${n - 1}`))
        return
      }
      item.chosen = c
    }
    const target = rerouteFrom(item.chosen, nodes)
    if (target < 0) {
      this.#park(item)
      return
    }
    if (target !== item.chosen) this.rerouted++
    item.node = target
    ;(nodes[target] as NodePusher).enqueue(item)
  }

  #routePinned (item: StreamItem): void {
    const node = this.pushers[item.pinned] as NodePusher
    if (node.state === 'up') {
      item.node = item.pinned
      node.enqueue(item)
    } else if (item.copies?.anyStored === true) {
      this.#fail(item, skippedCopy(node, item))
    } else {
      this.#park(item)
    }
  }

  /** Routes the parked files again (a node came up). */
  unpark (): void {
    // Bounded by the count at entry: files that find no node again go back to the tail.
    for (let n = this.#parked.length; n > 0; n--) {
      const item = this.#parked.shift() as StreamItem
      if (item.settled || item.node >= 0) continue
      this.route(item)
    }
  }

  /** Takes the parked files `drop` selects (a close deadline), handing each to `take`; the others stay, in order. */
  takeParked (drop: (item: StreamItem) => boolean, take: (item: StreamItem) => void): void {
    for (let n = this.#parked.length; n > 0; n--) {
      const item = this.#parked.shift() as StreamItem
      if (item.settled) continue
      if (drop(item)) take(item)
      else this.#parked.push(item)
    }
  }

  /** Removes every parked file (abort), calling `fn` on those not yet settled. */
  drainParked (fn: (item: StreamItem) => void): void {
    this.#parked.drain((item) => { if (!item.settled) fn(item) })
  }

  #park (item: StreamItem): void {
    item.node = -1
    this.#parked.push(item)
  }
}
