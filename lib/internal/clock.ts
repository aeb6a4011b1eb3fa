/**
 * Time for the parts that wait: the Streamer's ack ticker, the node pushers' back-off and the
 * close timeout read the time and set their timers through a `Clock`, so a test can run them
 * in virtual time (advance the clock, see the timeout fire at once) instead of waiting it out.
 * `systemClock` is the real one: `Date.now()` and Node's timers.
 */

/** A pending timer; `cancel()` is idempotent. */
export interface ClockTimer {
  cancel (): void
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now (): number
  /** Calls `fn` once after `ms`. `keepAlive: false` lets the process exit while it waits (unref). */
  timeout (fn: () => void, ms: number, keepAlive: boolean): ClockTimer
  /** Calls `fn` every `ms` until cancelled. */
  interval (fn: () => void, ms: number, keepAlive: boolean): ClockTimer
}

function nodeTimer (handle: NodeJS.Timeout, keepAlive: boolean): ClockTimer {
  if (!keepAlive) handle.unref()
  return { cancel: () => { clearTimeout(handle) } }
}

/** Real time. */
export const systemClock: Clock = {
  now: () => Date.now(),
  timeout: (fn, ms, keepAlive) => nodeTimer(setTimeout(fn, ms), keepAlive),
  interval: (fn, ms, keepAlive) => nodeTimer(setInterval(fn, ms), keepAlive)
}
