/**
 * The event log of a series: `[name, description, time]` entries, written as PYME's
 * `MemoryEventLogger.to_JSON()` (PROTOCOL.md §7.6): `json.dumps(list)` with Python's default
 * separators, `ensure_ascii`, times as floats in `repr` form, `[]` when empty.
 *
 * Policy (PYME's readers load events into fixed-size byte strings, `EventName` S32 and
 * `EventDescr` S256, and a conversion failure there loses *every* event of the series):
 * - `name`: 1 to 31 printable ASCII characters, else `InvalidArgumentError` (names are
 *   program constants; a cut name would change meaning).
 * - `description`: ASCII (else `InvalidArgumentError`); more than 255 characters are cut to
 *   255 and counted in `truncated` (a long note should not stop an acquisition).
 * - `time`: seconds since the Unix epoch (default: now), a finite number; always written as
 *   a float.
 */
import { InvalidArgumentError, SeriesFormatError } from '../errors.js'
import { parseLenientJson } from './lenient-json.js'
import { PyFloat } from './py-float.js'
import { formatPythonJson, type PyJsonValue } from './python-json.js'

/** One logged event. */
export interface SeriesEvent {
  readonly name: string
  readonly description: string
  /** Seconds since the Unix epoch. */
  readonly time: number
}

/** Longest event name PYME's readers hold (S32, keeping the NUL-free 31 bytes). */
export const MAX_EVENT_NAME_LENGTH = 31
/** Longest event description PYME's readers hold (S256). */
export const MAX_EVENT_DESCRIPTION_LENGTH = 255

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/
const ASCII = /^[\x00-\x7f]*$/

/** An append-only list of events with PYME's JSON form; see the file comment. */
export class EventLog {
  readonly #events: SeriesEvent[] = []
  #truncated = 0

  /** Number of events. */
  get length (): number { return this.#events.length }

  /** Number of descriptions cut to 255 characters. */
  get truncated (): number { return this.#truncated }

  /** Appends an event and returns it as stored. Throws `InvalidArgumentError` (see policy). */
  log (name: string, description = '', time: number = Date.now() / 1000): SeriesEvent {
    if (typeof name !== 'string' || !PRINTABLE_ASCII.test(name) || name.length > MAX_EVENT_NAME_LENGTH) {
      throw new InvalidArgumentError(`invalid event name: expected 1 to ${MAX_EVENT_NAME_LENGTH} printable ASCII characters`)
    }
    if (typeof description !== 'string' || !ASCII.test(description)) {
      throw new InvalidArgumentError(`invalid description of event '${name}': expected an ASCII string`)
    }
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      throw new InvalidArgumentError(`invalid time of event '${name}': expected a finite number of seconds`)
    }
    if (description.length > MAX_EVENT_DESCRIPTION_LENGTH) {
      description = description.slice(0, MAX_EVENT_DESCRIPTION_LENGTH)
      this.#truncated++
    }
    const event: SeriesEvent = Object.freeze({ name, description, time })
    this.#events.push(event)
    return event
  }

  /** A copy of the events in logging order. */
  toArray (): SeriesEvent[] {
    return this.#events.slice()
  }

  [Symbol.iterator] (): IterableIterator<SeriesEvent> {
    return this.#events[Symbol.iterator]()
  }

  /** The events.json bytes PYME writes (as a string; ASCII only). */
  stringify (): string {
    return formatEvents(this.#events)
  }
}

/** Formats events as PYME's events.json: `json.dumps([[name, descr, time], ...])`. */
export function formatEvents (events: Iterable<SeriesEvent>): string {
  const list: PyJsonValue[] = []
  for (const e of events) list.push([e.name, e.description, new PyFloat(e.time)])
  return formatPythonJson(list)
}

function eventText (v: PyJsonValue | undefined): string | undefined {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v)
  if (v instanceof PyFloat) return String(v.value)
  return undefined
}

function eventTime (v: PyJsonValue | undefined): number | undefined {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  if (v instanceof PyFloat) return v.value
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v)
  return undefined
}

/**
 * Reads an events.json leniently: `NaN`/`Infinity` tokens, names and descriptions of any
 * length or alphabet, numbers given as names are turned into text, numeric strings as times
 * (as Python's `str()` / `float()` would). Anything else is a `SeriesFormatError`.
 */
export function parseEvents (text: string, what = 'events.json'): SeriesEvent[] {
  const value = parseLenientJson(text, what)
  if (!Array.isArray(value)) throw new SeriesFormatError(`${what} is not a JSON array`)
  const out: SeriesEvent[] = []
  for (let i = 0; i < value.length; i++) {
    const entry = value[i] as PyJsonValue
    const fields = Array.isArray(entry) ? entry as readonly PyJsonValue[] : undefined
    const name = eventText(fields?.[0])
    const description = eventText(fields?.[1])
    const time = eventTime(fields?.[2])
    if (fields === undefined || fields.length !== 3 || name === undefined || description === undefined || time === undefined) {
      throw new SeriesFormatError(`${what}: event ${i} is not a [name, description, time] list`)
    }
    out.push(Object.freeze({ name, description, time }))
  }
  return out
}
