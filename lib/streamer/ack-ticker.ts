/**
 * The Streamer's coarse clock: one unref'd interval (a quarter of the ack timeout, 10-500 ms)
 * instead of a timer per file. Each tick updates `now` (read by the node pushers' back-off)
 * and runs the ack-timeout check, except after a tick that came late: then the event loop was
 * blocked, answers could not be read, and no node is to blame. Time comes from a `Clock`
 * (tests advance a virtual one).
 */
import { systemClock, type Clock, type ClockTimer } from '../internal/clock.js'

export interface AckTickerHooks {
  /** A regular tick: check the nodes against the ack timeout. */
  tick (now: number): void
  /** The loop was stalled since the last tick: excuse the nodes instead. */
  stalled (now: number): void
}

export class AckTicker {
  readonly #intervalMs: number
  readonly #hooks: AckTickerHooks
  readonly #clock: Clock
  #timer: ClockTimer | null
  #now: number

  constructor (ackTimeoutMs: number, hooks: AckTickerHooks, clock: Clock = systemClock) {
    this.#intervalMs = Math.max(10, Math.min(500, Math.floor(ackTimeoutMs / 4)))
    this.#hooks = hooks
    this.#clock = clock
    this.#now = clock.now()
    this.#timer = clock.interval(() => { this.#tick() }, this.#intervalMs, false)
  }

  /** Milliseconds between ticks: a quarter of the ack timeout, 10 to 500. */
  get intervalMs (): number {
    return this.#intervalMs
  }

  /** The time of the last tick (ms since the epoch). */
  get now (): number {
    return this.#now
  }

  /** Stops ticking. Idempotent. */
  stop (): void {
    this.#timer?.cancel()
    this.#timer = null
  }

  #tick (): void {
    const now = this.#clock.now()
    const late = now - this.#now > 2 * this.#intervalMs + 100
    this.#now = now
    if (late) this.#hooks.stalled(now)
    else this.#hooks.tick(now)
  }
}
