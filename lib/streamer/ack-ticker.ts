/**
 * The Streamer's coarse clock: one unref'd interval (a quarter of the ack timeout, 10-500 ms)
 * instead of a timer per file. Each tick updates `now` (read by the node pushers' back-off)
 * and runs the ack-timeout check, except after a tick that came late: then the event loop was
 * blocked, answers could not be read, and no node is to blame.
 */
export interface AckTickerHooks {
  /** A regular tick: check the nodes against the ack timeout. */
  tick (now: number): void
  /** The loop was stalled since the last tick: excuse the nodes instead. */
  stalled (now: number): void
}

export class AckTicker {
  readonly #intervalMs: number
  readonly #hooks: AckTickerHooks
  #timer: NodeJS.Timeout | null
  #now = Date.now()

  constructor (ackTimeoutMs: number, hooks: AckTickerHooks) {
    this.#intervalMs = Math.max(10, Math.min(500, Math.floor(ackTimeoutMs / 4)))
    this.#hooks = hooks
    this.#timer = setInterval(() => { this.#tick() }, this.#intervalMs)
    this.#timer.unref()
  }

  /** The time of the last tick (ms since the epoch). */
  get now (): number {
    return this.#now
  }

  /** Stops ticking. Idempotent. */
  stop (): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
  }

  #tick (): void {
    const now = Date.now()
    const late = now - this.#now > 2 * this.#intervalMs + 100
    this.#now = now
    if (late) this.#hooks.stalled(now)
    else this.#hooks.tick(now)
  }
}
