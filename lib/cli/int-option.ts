/**
 * The one parser for integer command-line options. Only decimal digits are accepted: `Number`
 * would also take `0x10`, `1e3`, `12.0` and `' 7'`, which no user means as a count, a port or
 * milliseconds. The range check and its message are the options module's.
 */
import { integerOption } from '../internal/options.js'

export { MAX_TIMER_MS } from '../internal/timer-limit.js'

/** An optional integer option in `[min, max]`, or undefined when absent; InvalidArgumentError naming it. */
export function intOption (value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN
  return integerOption(n, `--${name} '${value}'`, { min, max, default: undefined })
}
