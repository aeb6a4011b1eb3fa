/**
 * The one deadline of a close: `closeTimeoutMs` from the moment the close began (`close()`, or
 * `beginClose()` when a backend's `finalize()` starts it earlier), honoured by everything that
 * waits on the way.
 *
 * ```
 *  begin ─────── files may wait (for an answer, for a node) ───────► expire ──── reserve ────► pass
 *    │                                                           D − reserve                    D
 *    │                          every file not yet stored fails ──┘   only completion files     │
 *    │                          (OperationTimeoutError)               (putAfterAll, barrier      │
 *    │                                                                copies) are still sent     │
 *    └────────────────────────────── everything still held fails; puts refused at once ◄────────┘
 * ```
 *
 * The reserve keeps room for the few small files that complete a series (final_metadata.json,
 * events.json) after the frames gave up: a quarter of the timeout, at most 15 s. Timers are
 * referenced: a process awaiting a close stays alive until it ends. Time comes from the
 * Streamer's `Clock`, so tests can run a deadline in virtual time.
 */
import type { Clock, ClockTimer } from '../internal/clock.js'
import type { AckPipeline } from './ack-pipeline.js'
import type { ItemRouter } from './item-router.js'
import type { StreamItem } from './stream-item.js'

/** What happens at the two instants. */
export interface CloseDeadlineHooks {
  /** `D − reserve`: fail every file that is not a completion file. */
  expire (): void
  /** `D`: fail everything still held. */
  pass (): void
}

/** Where a close deadline is. */
export const DeadlinePhase = { IDLE: 0, RUNNING: 1, EXPIRED: 2, PASSED: 3 } as const
export type DeadlinePhaseValue = typeof DeadlinePhase[keyof typeof DeadlinePhase]

/** The reserve kept for completion files out of `timeoutMs`. */
export function closeReserveMs (timeoutMs: number): number {
  return Math.min(Math.floor(timeoutMs / 4), 15_000)
}

/**
 * The files a deadline ends that `due` selects: in flight and queued on every node, parked,
 * being verified; taken off the parked queue and the verify set (the caller fails them). Files
 * waiting behind a barrier and in the spill journal are the caller's to take.
 */
export function takeHeld (router: ItemRouter, pipeline: AckPipeline, due: (item: StreamItem) => boolean): StreamItem[] {
  const held: StreamItem[] = []
  for (const p of router.pushers) p.held(held)
  const out = held.filter(due)
  router.takeParked(due, (item) => { out.push(item) })
  out.push(...pipeline.takeVerifying(due))
  return out
}

export class CloseDeadline {
  readonly timeoutMs: number
  readonly reserveMs: number
  readonly #hooks: CloseDeadlineHooks
  readonly #clock: Clock
  #phase: DeadlinePhaseValue = DeadlinePhase.IDLE
  #at = Infinity
  #timer: ClockTimer | null = null

  constructor (timeoutMs: number, hooks: CloseDeadlineHooks, clock: Clock) {
    this.timeoutMs = timeoutMs
    this.reserveMs = closeReserveMs(timeoutMs)
    this.#hooks = hooks
    this.#clock = clock
  }

  get phase (): DeadlinePhaseValue { return this.#phase }

  /** Milliseconds left until the deadline (Infinity before `begin`, 0 once passed). */
  remainingMs (): number {
    return Math.max(0, this.#at - this.#clock.now())
  }

  /** Starts the clock `elapsedMs` ago (default now). Later calls change nothing. */
  begin (elapsedMs = 0): void {
    const startedAt = this.#clock.now() - Math.max(0, elapsedMs)
    if (this.#phase !== DeadlinePhase.IDLE) return
    this.#phase = DeadlinePhase.RUNNING
    this.#at = startedAt + this.timeoutMs
    this.#arm(this.#at - this.reserveMs, () => {
      this.#phase = DeadlinePhase.EXPIRED
      this.#hooks.expire()
      if (this.#phase === DeadlinePhase.EXPIRED) this.#arm(this.#at, () => { this.#pass() })
    })
  }

  #pass (): void {
    this.#phase = DeadlinePhase.PASSED
    this.#hooks.pass()
  }

  /** Stops the clock (the close is over, or the streamer was destroyed); the phase stays. */
  stop (): void {
    this.#timer?.cancel()
    this.#timer = null
  }

  #arm (at: number, fn: () => void): void {
    this.#timer?.cancel()
    // Referenced: a process awaiting a close stays alive until it ends.
    this.#timer = this.#clock.timeout(() => {
      this.#timer = null
      fn()
    }, Math.max(0, at - this.#clock.now()), true)
  }
}
