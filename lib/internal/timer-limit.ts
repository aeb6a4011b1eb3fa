/**
 * Node's timers fire at once, with only a warning, for a delay above 2^31-1 ms (24.8 days),
 * so no millisecond option may exceed it: a huge timeout would mean none at all. Each duration
 * option states its own maximum (lib/internal/options.ts `durationOption`), most of them this.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1
