/**
 * Python's `json.dumps`, byte for byte, for the values PYME writes (PROTOCOL.md §7.5, §7.6).
 *
 * - `indent: 2, sortKeys: true` gives `json.dumps(obj, indent=2, sort_keys=True)`
 *   (metadata.json): item separator `","` at line ends, `": "` after keys, nested arrays and
 *   objects expanded one element per line, empty ones as `[]` / `{}`.
 * - no indent gives `json.dumps(obj)` (events.json): separators `", "` and `": "`.
 * - always `ensure_ascii`: every UTF-16 code unit outside `' '..'~'` is escaped (`\n`, `\"`, …
 *   or `\uXXXX` in lower-case hex), so characters above U+FFFF become surrogate pairs.
 * - keys sorted by code point (not by UTF-16 unit, which orders U+FFFF after U+10000).
 * - numbers: an integral `number` or a `bigint` is a Python int (`100`, exact digits even
 *   beyond 2^53); a non-integral or non-finite `number`, or a `PyFloat`, is a Python float in
 *   `repr` form (`0.1`, `100.0`, `1e-05`, `1e+16`), and `NaN` / `Infinity` / `-Infinity` as
 *   the bare tokens Python writes.
 */
import { InvalidArgumentError } from '../errors.js'
import { PyFloat } from './py-float.js'

/** A value that formats as Python JSON (`PyFloat` keeps an integral float a float). */
export type PyJsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyFloat
  | readonly PyJsonValue[]
  | { readonly [key: string]: PyJsonValue }

/** Options of `formatPythonJson`. */
export interface PythonJsonOptions {
  /**
   * Spaces per level; `undefined` writes everything on one line with `", "` separators.
   * @default undefined
   */
  readonly indent?: number
  /**
   * Sort object keys by code point (`sort_keys=True`).
   * @default false
   */
  readonly sortKeys?: boolean
}

/** Nesting deeper than this is refused (Python's own limit is near 1000). */
const MAX_DEPTH = 512

/**
 * Python's `repr()` of a float: the shortest digits that round-trip, in fixed notation when
 * the decimal point falls within 16 digits of the first digit and not below 1e-4, else
 * exponent notation with a sign and at least two exponent digits.
 */
export function pythonFloatRepr (x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return 'Infinity'
  if (x === -Infinity) return '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  // toExponential() without an argument gives the shortest round-trip digits, as repr does.
  const text = x.toExponential()
  const sign = text.startsWith('-') ? '-' : ''
  const e = text.indexOf('e')
  const digits = text.slice(sign.length, e).replace('.', '')
  const exponent = Number(text.slice(e + 1))
  const decpt = exponent + 1
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
  const abs = Math.abs(exponent)
  return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t'
}

// Python's ESCAPE_ASCII: a backslash, a quote, or anything outside ' '..'~'. JavaScript
// strings are UTF-16, so an astral character is matched as its two surrogates, which is
// exactly Python's surrogate-pair output.
const ESCAPE_ASCII = /[\\"\u0000-\u001f\u007f-\uffff]/g

function escapeChar (c: string): string {
  return SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/** A string as Python's `json.dumps(..., ensure_ascii=True)` writes it, quotes included. */
export function pythonJsonString (s: string): string {
  return `"${s.replace(ESCAPE_ASCII, escapeChar)}"`
}

/** Compares strings by Unicode code point, as Python sorts `str`. */
export function compareCodePoints (a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // Below the surrogate range UTF-16 order is code point order; a surrogate (an astral
    // character) sorts after every BMP character above it.
    const xs = x >= 0xd800 && x <= 0xdfff
    const ys = y >= 0xd800 && y <= 0xdfff
    if (xs !== ys) return xs ? 1 : -1
    return x - y
  }
  return a.length - b.length
}

function formatNumber (x: number): string {
  if (Number.isInteger(x)) return BigInt(x).toString()
  return pythonFloatRepr(x)
}

function format (value: PyJsonValue, options: PythonJsonOptions, level: number): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean': return value ? 'true' : 'false'
    case 'number': return formatNumber(value)
    case 'bigint': return value.toString()
    case 'string': return pythonJsonString(value)
    case 'object': break
    default: throw new InvalidArgumentError(`invalid JSON value: a ${typeof value} cannot be written`)
  }
  if (value instanceof PyFloat) return pythonFloatRepr(value.value)
  if (level >= MAX_DEPTH) throw new InvalidArgumentError(`invalid JSON value: nested deeper than ${MAX_DEPTH} levels`)
  const indent = options.indent
  const open = indent === undefined ? '' : '\n' + ' '.repeat(indent * (level + 1))
  const close = indent === undefined ? '' : '\n' + ' '.repeat(indent * level)
  const separator = indent === undefined ? ', ' : ',' + open
  if (Array.isArray(value)) {
    const list = value as readonly PyJsonValue[]
    if (list.length === 0) return '[]'
    return '[' + open + list.map((v) => format(v, options, level + 1)).join(separator) + close + ']'
  }
  if (!isPlainObject(value)) {
    throw new InvalidArgumentError(`invalid JSON value: ${Object.prototype.toString.call(value)} cannot be written`)
  }
  const record = value as { readonly [key: string]: PyJsonValue }
  const keys = Object.keys(record)
  if (keys.length === 0) return '{}'
  if (options.sortKeys === true) keys.sort(compareCodePoints)
  const items = keys.map((k) => pythonJsonString(k) + ': ' + format(record[k] as PyJsonValue, options, level + 1))
  return '{' + open + items.join(separator) + close + '}'
}

/** True for `{}` literals and null-prototype objects (not class instances, dates, typed arrays). */
export function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/**
 * Formats `value` exactly as Python's `json.dumps(value, indent=…, sort_keys=…)` with
 * `ensure_ascii` and `allow_nan` (the defaults), no trailing newline. Throws
 * `InvalidArgumentError` for values JSON cannot hold (functions, symbols, `undefined`, class
 * instances other than `PyFloat`).
 */
export function formatPythonJson (value: PyJsonValue, options: PythonJsonOptions = {}): string {
  const indent = options.indent
  if (indent !== undefined && (!Number.isSafeInteger(indent) || indent < 0)) {
    throw new InvalidArgumentError('invalid indent: expected a non-negative integer')
  }
  return format(value, options, 0)
}
