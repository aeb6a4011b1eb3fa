/**
 * `MetaDataHandler`: PYME's flat, dotted-key metadata (PROTOCOL.md §7.5), with the int/float
 * distinction Python readers depend on.
 *
 * Keys are dotted names (`'voxelsize.x'`, `'Camera.ADOffset'`). Values are what Python JSON
 * holds: numbers, `bigint` (exact big ints), strings, booleans, `null`, arrays and objects;
 * an object given to `set()` is flattened to dotted keys (`set('Camera', { ADOffset: 100 })`
 * sets `Camera.ADOffset`).
 *
 * Int or float? A non-integral number is a float. An integral number is an int, unless
 * - it is wrapped as a float: `mdh.set(key, float(100))` or `mdh.setFloat(key, 100)`, or
 * - its key is a float key: PYME's well-known float keys (`DEFAULT_FLOAT_KEYS`: voxel sizes,
 *   integration and cycle times, AD offset, start/end time, stage positions) plus any given
 *   in `floatKeys` / `markFloat()`, so that `mdh.set('voxelsize.x', 1)` writes `1.0`.
 * `setInt()` forces an int. Values read by `MetaDataHandler.parse` keep exactly the type the
 * file had (`100.0` stays a float, `100` an int, whatever the key).
 *
 * `stringify()` writes PYME's `to_JSON()` bytes: `json.dumps(flat, indent=2, sort_keys=True)`.
 */
import { InvalidArgumentError, SeriesFormatError } from '../errors.js'
import { parseLenientJson } from '../internal/lenient-json.js'
import { PyFloat } from '../internal/py-float.js'
import { compareCodePoints, formatPythonJson, isPlainObject, type PyJsonValue } from '../internal/python-json.js'

/** A metadata value as stored (a `PyFloat` marks an integral float). */
export type MetadataValue = PyJsonValue

/** A metadata value as plain JavaScript (floats are plain numbers). */
export type MetadataPlainValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | readonly MetadataPlainValue[]
  | { readonly [key: string]: MetadataPlainValue }

/** What `set()` accepts: a value, or an object (or handler) to flatten under the key. */
export type MetadataInput = MetadataValue | MetaDataHandler | { readonly [key: string]: MetadataInput }

/** Options of `MetaDataHandler`. */
export interface MetaDataHandlerOptions {
  /**
   * Keys whose integral numbers are floats, in addition to `DEFAULT_FLOAT_KEYS`. A key ending
   * in `.*` covers every key below that prefix (`'Stage.*'`).
   * @default []
   */
  readonly floatKeys?: Iterable<string>
}

/** PYME metadata keys that hold floats (`'x.*'` = every key below `x.`). */
export const DEFAULT_FLOAT_KEYS: readonly string[] = Object.freeze([
  'voxelsize.x',
  'voxelsize.y',
  'voxelsize.z',
  'Camera.ADOffset',
  'Camera.CycleTime',
  'Camera.ElectronsPerCount',
  'Camera.IntegrationTime',
  'Camera.NoiseFactor',
  'Camera.ReadNoise',
  'Camera.TrueEMGain',
  'StartTime',
  'EndTime',
  'Positioning.*'
])

function validateKey (key: unknown): asserts key is string {
  if (typeof key !== 'string' || key === '') throw new InvalidArgumentError('invalid metadata key: expected a non-empty string')
  if (key.startsWith('.') || key.endsWith('.') || key.includes('..')) {
    throw new InvalidArgumentError(`invalid metadata key '${key}': empty component`)
  }
}

function unwrap (value: MetadataValue): MetadataPlainValue {
  if (typeof value !== 'object' || value === null) return value
  if (value instanceof PyFloat) return value.value
  if (Array.isArray(value)) return (value as readonly MetadataValue[]).map(unwrap)
  const out: Record<string, MetadataPlainValue> = {}
  for (const [k, v] of Object.entries(value as Record<string, MetadataValue>)) out[k] = unwrap(v)
  return out
}

/** Dotted-key metadata with Python's int/float distinction; see the file comment. */
export class MetaDataHandler {
  readonly #entries = new Map<string, MetadataValue>()
  readonly #floatKeys = new Set<string>()
  readonly #floatPrefixes: string[] = []

  constructor (initial?: MetaDataHandler | { readonly [key: string]: MetadataInput }, options: MetaDataHandlerOptions = {}) {
    this.markFloat(...DEFAULT_FLOAT_KEYS)
    if (options.floatKeys !== undefined) {
      if (typeof options.floatKeys !== 'object' || !(Symbol.iterator in options.floatKeys)) {
        throw new InvalidArgumentError('invalid floatKeys: expected an iterable of keys')
      }
      this.markFloat(...options.floatKeys)
    }
    if (initial instanceof MetaDataHandler) {
      this.markFloat(...initial.#floatKeys, ...initial.#floatPrefixes.map((p) => p + '*'))
    }
    if (initial !== undefined) this.update(initial)
  }

  /**
   * Reads PYME's metadata JSON leniently (`NaN`, `Infinity`, big ints, `100.0` kept a float);
   * nested objects are flattened to dotted keys. Throws `SeriesFormatError`.
   */
  static parse (text: string, what = 'metadata'): MetaDataHandler {
    const value = parseLenientJson(text, what)
    if (!isPlainObject(value)) throw new SeriesFormatError(`${what} is not a JSON object`)
    const mdh = new MetaDataHandler()
    mdh.#flattenRaw('', value as Record<string, MetadataValue>)
    return mdh
  }

  #flattenRaw (prefix: string, obj: Record<string, MetadataValue>): void {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix + k
      if (isPlainObject(v)) this.#flattenRaw(key + '.', v as Record<string, MetadataValue>)
      else this.#entries.set(key, v)
    }
  }

  /** Number of keys. */
  get size (): number { return this.#entries.size }

  /** Marks keys (or `'prefix.*'` patterns) whose integral numbers are floats from now on. */
  markFloat (...keys: readonly string[]): this {
    for (const key of keys) {
      if (typeof key !== 'string' || key === '') throw new InvalidArgumentError('invalid floatKeys: keys must be non-empty strings')
      if (key.endsWith('.*')) {
        const prefix = key.slice(0, -1)
        if (!this.#floatPrefixes.includes(prefix)) this.#floatPrefixes.push(prefix)
      } else {
        this.#floatKeys.add(key)
      }
    }
    return this
  }

  /** Whether integral numbers set under `key` become floats. */
  isFloatKey (key: string): boolean {
    if (this.#floatKeys.has(key)) return true
    for (const p of this.#floatPrefixes) if (key.startsWith(p)) return true
    return false
  }

  /**
   * Sets `key`. An object (or handler) value is flattened below `key`; an integral number is
   * an int unless the key is a float key (see the file comment). Throws `InvalidArgumentError`
   * for values JSON cannot hold (`undefined`, functions, class instances, typed arrays).
   */
  set (key: string, value: MetadataInput): this {
    validateKey(key)
    if (value instanceof MetaDataHandler) {
      for (const [k, v] of value.#entries) this.#entries.set(`${key}.${k}`, v)
      return this
    }
    if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) this.set(`${key}.${k}`, v as MetadataInput)
      return this
    }
    this.#entries.set(key, this.#normalise(key, value as MetadataValue, this.isFloatKey(key), 0))
    return this
  }

  /** Sets `key` to a float (`100` is written `100.0`). */
  setFloat (key: string, value: number): this {
    if (typeof value !== 'number') throw new InvalidArgumentError(`invalid value for '${key}': setFloat expects a number`)
    validateKey(key)
    this.#entries.set(key, new PyFloat(value))
    return this
  }

  /** Sets `key` to an int, even if it is a float key. */
  setInt (key: string, value: number | bigint): this {
    if (typeof value === 'number' ? !Number.isInteger(value) : typeof value !== 'bigint') {
      throw new InvalidArgumentError(`invalid value for '${key}': setInt expects an integer`)
    }
    validateKey(key)
    this.#entries.set(key, value)
    return this
  }

  #normalise (key: string, value: MetadataValue, asFloat: boolean, depth: number): MetadataValue {
    if (depth > 64) throw new InvalidArgumentError(`invalid value for '${key}': nested too deeply`)
    switch (typeof value) {
      case 'number':
        return asFloat && Number.isInteger(value) ? new PyFloat(value) : value
      case 'bigint':
      case 'string':
      case 'boolean':
        return value
      case 'object':
        if (value === null || value instanceof PyFloat) return value
        if (Array.isArray(value)) return (value as readonly MetadataValue[]).map((v) => this.#normalise(key, v, asFloat, depth + 1))
        if (isPlainObject(value)) {
          // Objects inside arrays stay objects (they cannot be flattened to keys).
          const out: Record<string, MetadataValue> = {}
          for (const [k, v] of Object.entries(value)) out[k] = this.#normalise(key, v as MetadataValue, false, depth + 1)
          return out
        }
        throw new InvalidArgumentError(`invalid value for '${key}': ${Object.prototype.toString.call(value)} cannot be stored in metadata`)
      default:
        throw new InvalidArgumentError(`invalid value for '${key}': ${typeof value} cannot be stored in metadata`)
    }
  }

  /** Sets every key of `source` (an object is flattened, a handler copied with its float-ness). */
  update (source: MetaDataHandler | { readonly [key: string]: MetadataInput }): this {
    if (source instanceof MetaDataHandler) {
      for (const [k, v] of source.#entries) this.#entries.set(k, v)
      return this
    }
    if (!isPlainObject(source)) throw new InvalidArgumentError('invalid metadata: expected a plain object or a MetaDataHandler')
    for (const [k, v] of Object.entries(source)) this.set(k, v as MetadataInput)
    return this
  }

  /** The value of `key` as plain JavaScript (floats as numbers), or `undefined`. */
  get (key: string): MetadataPlainValue | undefined {
    const v = this.#entries.get(key)
    return v === undefined ? undefined : unwrap(v)
  }

  /** The stored value of `key`, integral floats as `PyFloat`. */
  getEntry (key: string): MetadataValue | undefined {
    return this.#entries.get(key)
  }

  has (key: string): boolean { return this.#entries.has(key) }

  delete (key: string): boolean { return this.#entries.delete(key) }

  /** Keys sorted by code point (the order of `stringify()`). */
  keys (): string[] {
    return [...this.#entries.keys()].sort(compareCodePoints)
  }

  /** `[key, stored value]` pairs sorted by code point. */
  entries (): Array<[string, MetadataValue]> {
    return this.keys().map((k) => [k, this.#entries.get(k) as MetadataValue])
  }

  /** A flat plain object of every key (floats as plain numbers). */
  toObject (): Record<string, MetadataPlainValue> {
    const out: Record<string, MetadataPlainValue> = {}
    for (const k of this.keys()) out[k] = unwrap(this.#entries.get(k) as MetadataValue)
    return out
  }

  /** A copy with the same entries and float keys. */
  copy (): MetaDataHandler {
    return new MetaDataHandler(this)
  }

  /** PYME's `to_JSON()`: `json.dumps(flat, indent=2, sort_keys=True)`, byte for byte, no newline. */
  stringify (): string {
    const flat = Object.create(null) as Record<string, MetadataValue>
    for (const [k, v] of this.#entries) flat[k] = v
    return formatPythonJson(flat, { indent: 2, sortKeys: true })
  }
}
