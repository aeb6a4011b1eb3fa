/**
 * Node's timers fire at once, with only a warning, for a delay above 2^31-1 ms (24.8 days),
 * so no millisecond option may exceed it: a huge timeout would mean none at all.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** The largest value an option may take: MAX_TIMER_MS for a `...Ms` option, else unbounded. */
export function optionMax (name: string): number {
  return name.endsWith('Ms') ? MAX_TIMER_MS : Number.MAX_SAFE_INTEGER
}
