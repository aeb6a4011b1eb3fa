// A Clock in virtual time: nothing fires until the test calls advance(), which runs every
// timer due in the window, in time order, with now() at each timer's due time.
import type { Clock, ClockTimer } from '../../lib/internal/clock.js'

interface Pending {
  at: number
  readonly seq: number
  readonly fn: () => void
  readonly every: number
}

export class VirtualClock implements Clock {
  #now: number
  #seq = 0
  readonly #timers = new Set<Pending>()

  constructor (start = 1_700_000_000_000) {
    this.#now = start
  }

  now (): number { return this.#now }

  timeout (fn: () => void, ms: number): ClockTimer { return this.#add(fn, ms, 0) }

  interval (fn: () => void, ms: number): ClockTimer { return this.#add(fn, ms, Math.max(1, ms)) }

  /** Timers waiting. */
  get pending (): number { return this.#timers.size }

  /** Moves time forward by `ms`, running what falls due (timers set meanwhile too, if due). */
  advance (ms: number): void {
    const end = this.#now + ms
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next: Pending | null = null
      for (const p of this.#timers) if (p.at <= end && (next === null || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p
      if (next === null) break
      this.#now = next.at
      if (next.every > 0) next.at += next.every
      else this.#timers.delete(next)
      next.fn()
    }
    this.#now = end
  }

  /**
   * A blocked event loop: time jumps by `ms` with nothing run, then every overdue timer runs
   * once, late (now() is the new time), as Node's timers do after a stall.
   */
  stall (ms: number): void {
    this.#now += ms
    const due = [...this.#timers].filter((p) => p.at <= this.#now).sort((a, b) => a.at - b.at || a.seq - b.seq)
    for (const p of due) {
      if (p.every > 0) p.at = this.#now + p.every
      else this.#timers.delete(p)
      p.fn()
    }
  }

  #add (fn: () => void, ms: number, every: number): ClockTimer {
    const p: Pending = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, every }
    this.#timers.add(p)
    return { cancel: () => { this.#timers.delete(p) } }
  }
}
