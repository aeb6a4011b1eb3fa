/**
 * Pinned copies of one file (`Streamer.putCopies`): the same bytes put on several specific
 * nodes, so that a small file every reader needs (a series' metadata.json, final_metadata.json,
 * events.json) is there while any of those nodes is up.
 *
 * ```
 *  putCopies(path) ─► CopySet ─┬─ copy → node 0   each copy is a StreamItem pinned to its node:
 *                              ├─ copy → node 1   never re-routed elsewhere; a copy whose node is
 *                              └─ copy → node 2   down or full waits for it (parked) until another
 *                                                 copy is stored, and is then skipped
 *  every copy settled ─► resolve { stored: Ack[], missed: [{ node, error }] } (≥ 1 stored)
 *                     └► reject (none stored): StoreFailedError, or OperationTimeoutError when
 *                        the close deadline ended every copy
 * ```
 *
 * Copies share the bytes (no copy of the buffer) and one place in put order, so a barrier copy
 * waits for every file put before the set, not for its siblings.
 */
import { InvalidArgumentError, OperationTimeoutError, StoreFailedError } from '../errors.js'
import type { ItemRouter } from './item-router.js'
import { normaliseServerUrl } from './streamer-options.js'
import type { Ack, ItemWaiter, StreamItem } from './stream-item.js'

/** A copy that was not stored: its node and why. */
export interface CopyMiss {
  /** The node (`http://host:port/`), or `''` for the one unpinned copy made when no node was known. */
  readonly node: string
  readonly error: Error
}

/** What `putCopies` resolves to: where the file was stored, and where not. */
export interface CopiesAck {
  readonly path: string
  /** One acknowledgement per stored copy, in the order the answers came. */
  readonly stored: readonly Ack[]
  readonly missed: readonly CopyMiss[]
}

/** Options of `putCopies`. */
export interface CopiesOptions {
  /** The nodes to put a copy on (`http://host:port/` or any server form). @default every node known now */
  readonly nodes?: readonly string[]
  /** Send each copy only once every file put before it is settled, as `putAfterAll`. @default false */
  readonly afterAll?: boolean
  /** With `afterAll`: send even if some earlier files failed. @default false */
  readonly sendAnyway?: boolean
}

/**
 * The node indices to put copies on: `list` (any server form; each must be a node of the
 * streamer), by default every node not removed; `[-1]` (one copy, routed as any file) when no
 * node is known yet.
 */
export function copyTargets (list: readonly string[] | undefined, router: ItemRouter): number[] {
  if (list === undefined) {
    const usable = router.pushers.filter((p) => p.state !== 'removed').map((p) => p.index)
    return usable.length > 0 ? usable : [-1]
  }
  if (!Array.isArray(list) || list.length === 0) throw new InvalidArgumentError('invalid nodes: expected a non-empty array of servers')
  return [...new Set(list.map((raw) => {
    const p = router.get(normaliseServerUrl(raw, 'nodes'))
    if (p === undefined) throw new InvalidArgumentError(`invalid nodes: ${String(raw)} is not a node of this streamer`)
    return p.index
  }))]
}

/** The copies of one put and their outcome. */
export class CopySet {
  readonly path: string
  readonly items: StreamItem[] = []
  readonly #stored: Ack[] = []
  readonly #missed: CopyMiss[] = []
  readonly #resolve: (ack: CopiesAck) => void
  readonly #reject: (err: Error) => void
  #pending = 0

  constructor (path: string, resolve: (ack: CopiesAck) => void, reject: (err: Error) => void) {
    this.path = path
    this.#resolve = resolve
    this.#reject = reject
  }

  /** Adds `item` as the copy for `node` (its URL); its waiter reports here. */
  add (item: StreamItem, node: string): void {
    this.items.push(item)
    this.#pending++
    item.copies = this
    const waiter: ItemWaiter = {
      resolve: (ack) => { this.#done(ack, null) },
      reject: (err) => { this.#done(null, { node, error: err instanceof Error ? err : new Error(String(err)) }) }
    }
    item.waiter = waiter
  }

  /** Whether `item` failing now fails the whole put: it is the last copy left and none was stored. */
  isLastHope (item: StreamItem): boolean {
    return this.#pending === 1 && this.#stored.length === 0 && !item.settled
  }

  /** Whether some copy is stored: a copy whose node cannot take it is then skipped, not kept waiting. */
  get anyStored (): boolean {
    return this.#stored.length > 0
  }

  #done (ack: Ack | null, miss: CopyMiss | null): void {
    if (ack !== null) this.#stored.push(ack)
    if (miss !== null) this.#missed.push(miss)
    if (--this.#pending > 0) return
    if (this.#stored.length > 0) {
      this.#resolve({ path: this.path, stored: this.#stored, missed: this.#missed })
      return
    }
    const why = this.#missed.map((m) => `${m.node === '' ? 'no node' : m.node}: ${m.error.message}`).join('; ')
    const cause = this.#missed[0]?.error
    const timedOut = this.#missed.every((m) => m.error instanceof OperationTimeoutError && (m.error as OperationTimeoutError).code === 'PYME_ERR_TIMEOUT')
    this.#reject(timedOut
      ? new OperationTimeoutError(`no copy of ${this.path} was stored before the close deadline (${why})`, { cause, failed: [this.path] })
      : new StoreFailedError(`no copy of ${this.path} could be stored (${why})`, [this.path], undefined, { cause }))
  }
}
