/**
 * Barriers of `putAfterAll`: a file that is sent only once every file put before it is settled
 * (stored, or failed), so that a series completion marker (`events.json`) never lands before
 * the frames it announces (PROTOCOL.md §6.10, the last bullet). Later files are not held back.
 *
 * A barrier counts the files that were outstanding when it was put; every settle of a file with
 * a lower put order decrements it. There are rarely more than one or two barriers pending, so a
 * plain array is scanned per settle.
 */
import type { StreamItem } from './stream-item.js'

/** A barrier file waiting for earlier files. */
export interface PendingBarrier {
  readonly item: StreamItem
  remaining: number
  /** Earlier files that failed (a barrier does not announce a series with holes unless told to). */
  readonly earlierFailed: string[]
}

/** The pending barriers of one streamer. */
export class BarrierSet {
  #pending: PendingBarrier[] = []

  get size (): number { return this.#pending.length }

  /** Registers `item` to wait for `remaining` earlier files. */
  add (item: StreamItem, remaining: number): void {
    this.#pending.push({ item, remaining, earlierFailed: [] })
  }

  /**
   * Records that `item` settled; returns the barriers it released (in put order), or `null`
   * when none (the common case allocates nothing).
   */
  settled (item: StreamItem, failed: boolean): PendingBarrier[] | null {
    let released: PendingBarrier[] | null = null
    for (let i = 0; i < this.#pending.length; i++) {
      const b = this.#pending[i] as PendingBarrier
      if (item.seq >= b.item.seq) continue
      b.remaining--
      if (failed) b.earlierFailed.push(item.path)
      if (b.remaining === 0) (released ??= []).push(b)
    }
    if (released !== null) this.#pending = this.#pending.filter((b) => b.remaining > 0)
    return released
  }

  /** Removes and returns every pending barrier (abort). */
  takeAll (): PendingBarrier[] {
    const all = this.#pending
    this.#pending = []
    return all
  }
}
