/**
 * Where a put goes under the overflow policy, and when the producer may go on:
 *
 *   place(size)  memory while the budget has room and nothing waits in the journal;
 *                else 'drop' → DROP, 'spill' → SPILL (the journal keeps put order),
 *                'block' → throws (the caller should have waited for 'drain')
 *   roomFor…     whether the next put of the same size fits (false: wait for 'drain')
 *   drainDue     after bytes were released: the room a producer was told to wait for
 *
 * The budget (bytes held) and the spill queue belong to the Streamer; this class holds only
 * the policy and the drain signal.
 */
import { InvalidArgumentError } from '../errors.js'
import type { MemoryBudget } from './memory-budget.js'
import type { SpillQueue } from './spill-queue.js'
import type { OverflowPolicy } from './streamer-options.js'

export const MEMORY = 0
export const SPILL = 1
export const DROP = 2
export type Placement = typeof MEMORY | typeof SPILL | typeof DROP

export class OverflowGate {
  readonly #mode: OverflowPolicy
  readonly #budget: MemoryBudget
  readonly #spill: SpillQueue
  #needDrain = false
  #lastSize = 1

  constructor (mode: OverflowPolicy, budget: MemoryBudget, spill: SpillQueue) {
    this.#mode = mode
    this.#budget = budget
    this.#spill = spill
  }

  /** Size of the last put (the default of `ready()`). */
  get lastSize (): number { return this.#lastSize }

  /** Whether a `'block'` async put must wait: no room, or earlier waiters go first. */
  mustWait (bytes: number): boolean {
    return this.#mode === 'block' && (this.#budget.waiting > 0 || !this.#budget.fits(bytes))
  }

  /** Where a put of `size` bytes goes; throws when `'block'` has no room. */
  place (size: number): Placement {
    this.#lastSize = size
    const spill = this.#mode === 'spill'
    if (spill && this.#spill.pending > 0 && this.#spill.canTake(size)) return SPILL
    if (this.#budget.fits(size) && this.#spill.pending === 0) return MEMORY
    if (this.#mode === 'drop') return DROP
    if (spill && this.#spill.canTake(size)) return SPILL
    this.#needDrain = true
    if (size > this.#budget.limit) {
      throw new InvalidArgumentError(`a file of ${size} bytes is larger than memoryBudget (${this.#budget.limit}); it is accepted only when nothing else is held: await ready(${size}) first`)
    }
    throw new InvalidArgumentError(`memory budget full (${this.#budget.held} of ${this.#budget.limit} bytes held): wait for 'drain' or await ready() before putting more`)
  }

  /** After a put went to memory: whether another of `size` fits ('drop': false only ever means dropped). */
  roomAfterMemory (size: number): boolean {
    if (this.#mode === 'drop' || this.#budget.fits(size)) return true
    if (this.#mode === 'spill' && this.#spill.canTake(size)) return true
    this.#needDrain = true
    return false
  }

  /** After a put went to the journal: whether the journal takes another of `size`. */
  roomAfterSpill (size: number): boolean {
    if (this.#spill.canTake(size)) return true
    this.#needDrain = true
    return false
  }

  /** After bytes were released: true (once) when a producer told to wait may go on. */
  drainDue (): boolean {
    if (!this.#needDrain) return false
    const room = this.#mode === 'spill' && this.#spill.pending > 0
      ? this.#spill.canTake(this.#lastSize)
      : this.#budget.fits(this.#lastSize)
    if (room) this.#needDrain = false
    return room
  }
}
