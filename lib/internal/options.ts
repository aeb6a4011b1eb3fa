/**
 * The one validator of option values: every options object of the public API (Streamer,
 * Cluster, data server, discovery, encoder pool, backends) and the CLI's numbers go through
 * these functions, so a bad value reads the same everywhere:
 *
 *   invalid <name>: expected an integer from 1 to 1024
 *   invalid <name>: expected a duration in ms from 1 to 2147483647
 *   invalid <name>: expected a byte count from 1 to 9007199254740991, or Infinity
 *   invalid <name>: expected 'block', 'drop' or 'spill'
 *   invalid options: unknown option 'server' (known: servers, cluster, …)
 *
 * Each caller states its bounds, durations included: a duration's upper bound is written
 * at the option (most take MAX_TIMER_MS, Node's timer limit), never guessed from its name.
 * An absent value (`undefined`) takes the default; `null` is a bad value like any other.
 */
import { InvalidArgumentError } from '../errors.js'
import { MAX_TIMER_MS } from './timer-limit.js'

/** Bounds (inclusive) and the value an absent option takes. */
export interface NumberSpec<D extends number | undefined = number> {
  readonly min: number
  readonly max: number
  readonly default: D
}

/** An object's keys, each mapped to `true`: `satisfies Record<keyof Options, true>` keeps it complete. */
export type OptionKeys = Readonly<Record<string, true>>

/**
 * Checks that `options` is a plain object (or absent) and holds no key outside `known`: a
 * misspelt option (`server` for `servers`) is refused, never ignored. `what` names the object.
 */
export function checkOptionsObject (options: unknown, known: OptionKeys, what = 'options'): void {
  if (options === undefined) return
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(`invalid ${what}: expected an object`)
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(known, key)) {
      throw new InvalidArgumentError(`invalid ${what}: unknown option '${key}' (known: ${Object.keys(known).join(', ')})`)
    }
  }
}

function range (min: number, max: number): string {
  return `from ${min} to ${max}`
}

/** An integer in `[spec.min, spec.max]`. */
export function integerOption<D extends number | undefined> (value: unknown, name: string, spec: NumberSpec<D>): number | D {
  if (value === undefined) return spec.default
  if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) {
    throw new InvalidArgumentError(`invalid ${name}: expected an integer ${range(spec.min, spec.max)}`)
  }
  return value
}

/** A finite number in `[spec.min, spec.max]`. */
export function numberOption<D extends number | undefined> (value: unknown, name: string, spec: NumberSpec<D>): number | D {
  if (value === undefined) return spec.default
  if (typeof value !== 'number' || !(value >= spec.min && value <= spec.max)) {
    throw new InvalidArgumentError(`invalid ${name}: expected a number ${range(spec.min, spec.max)}`)
  }
  return value
}

/**
 * A duration in whole milliseconds in `[spec.min, spec.max]`. `spec.max` is stated by the
 * caller and may not exceed MAX_TIMER_MS: Node fires a longer timer at once.
 */
export function durationOption<D extends number | undefined> (value: unknown, name: string, spec: NumberSpec<D>): number | D {
  if (spec.max > MAX_TIMER_MS) throw new RangeError(`${name}: a duration's maximum is at most ${MAX_TIMER_MS} ms`)
  if (value === undefined) return spec.default
  if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) {
    throw new InvalidArgumentError(`invalid ${name}: expected a duration in ms ${range(spec.min, spec.max)}`)
  }
  return value
}

/** A size in whole bytes in `[spec.min, spec.max]`; with `infinite`, `Infinity` too (no limit). */
export function byteSizeOption<D extends number | undefined> (value: unknown, name: string, spec: NumberSpec<D> & { readonly infinite?: boolean }): number | D {
  if (value === undefined) return spec.default
  if (value === Infinity && spec.infinite === true) return Infinity
  if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) {
    throw new InvalidArgumentError(`invalid ${name}: expected a byte count ${range(spec.min, spec.max)}${spec.infinite === true ? ', or Infinity' : ''}`)
  }
  return value
}

/** A boolean. */
export function booleanOption<D extends boolean | undefined> (value: unknown, name: string, fallback: D): boolean | D {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`invalid ${name}: expected a boolean`)
  return value
}

/** `'a', 'b' or 'c'`, with `more` (unquoted: `a function`) as the last alternative when given. */
function alternatives (allowed: readonly string[], more?: string): string {
  const all = allowed.map((a) => `'${a}'`)
  if (more !== undefined) all.push(more)
  return all.length === 1 ? all[0] as string : `${all.slice(0, -1).join(', ')} or ${all[all.length - 1] as string}`
}

/** One of `allowed`. */
export function enumOption<T extends string, D extends T | undefined> (value: unknown, name: string, allowed: readonly T[], fallback: D): T | D {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`invalid ${name}: expected ${alternatives(allowed)}`)
  }
  return value as T
}

/** The error for a value that is none of `allowed` nor `more` (a form the caller checks itself: `a function`). */
export function enumError (name: string, allowed: readonly string[], more: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid ${name}: expected ${alternatives(allowed, more)}`)
}

/** A non-empty string. */
export function stringOption<D extends string | undefined> (value: unknown, name: string, fallback: D): string | D {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || value === '') throw new InvalidArgumentError(`invalid ${name}: expected a non-empty string`)
  return value
}
