/**
 * A lenient reader for the JSON that Python's `json.dumps` writes (PROTOCOL.md §7.5 MUST).
 *
 * Beyond strict JSON it accepts what Python writes and reads: the bare tokens `NaN`,
 * `Infinity` and `-Infinity`, control characters inside strings, and a leading byte-order
 * mark. It keeps what `JSON.parse` loses:
 *
 * - integers beyond 2^53 stay exact (`bigint`); smaller ones are plain numbers;
 * - a number written with a fraction or exponent is a Python float, and stays one: an
 *   integral value such as `100.0` or `1e5` comes back as a `PyFloat`, so that writing it
 *   again gives `100.0` / `100000.0`, not an int;
 * - objects have a null prototype (a key `__proto__` is data, not a prototype); a repeated
 *   key keeps its last value, as in Python.
 *
 * Errors are `SeriesFormatError` with the position of the problem.
 */
import { SeriesFormatError } from '../errors.js'
import { PyFloat } from './py-float.js'
import type { PyJsonValue } from './python-json.js'

const MAX_DEPTH = 512
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y
const WHITESPACE = /[ \t\n\r]*/y
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

class Parser {
  readonly #text: string
  readonly #what: string
  #pos = 0

  constructor (text: string, what: string) {
    this.#text = text
    this.#what = what
  }

  parse (): PyJsonValue {
    if (this.#text.charCodeAt(0) === 0xfeff) this.#pos = 1
    const value = this.#value(0)
    this.#skipSpace()
    if (this.#pos !== this.#text.length) this.#fail('unexpected text after the value')
    return value
  }

  #fail (reason: string): never {
    throw new SeriesFormatError(`${this.#what} is not valid JSON: ${reason} at position ${this.#pos}`)
  }

  #skipSpace (): void {
    WHITESPACE.lastIndex = this.#pos
    WHITESPACE.test(this.#text)
    this.#pos = WHITESPACE.lastIndex
  }

  #word (word: string): boolean {
    if (!this.#text.startsWith(word, this.#pos)) return false
    this.#pos += word.length
    return true
  }

  #value (depth: number): PyJsonValue {
    if (depth > MAX_DEPTH) this.#fail(`nesting deeper than ${MAX_DEPTH} levels`)
    this.#skipSpace()
    const c = this.#text[this.#pos]
    switch (c) {
      case '{': return this.#object(depth)
      case '[': return this.#array(depth)
      case '"': return this.#string()
      case undefined: return this.#fail('unexpected end of text')
    }
    if (this.#word('true')) return true
    if (this.#word('false')) return false
    if (this.#word('null')) return null
    if (this.#word('NaN')) return Number.NaN
    if (this.#word('Infinity')) return Number.POSITIVE_INFINITY
    if (this.#word('-Infinity')) return Number.NEGATIVE_INFINITY
    return this.#number()
  }

  #number (): PyJsonValue {
    NUMBER.lastIndex = this.#pos
    const m = NUMBER.exec(this.#text)
    if (m === null) this.#fail('unexpected character')
    this.#pos = NUMBER.lastIndex
    const token = m[0]
    if (m[1] !== undefined || m[2] !== undefined) {
      const x = Number(token)
      return Number.isInteger(x) ? new PyFloat(x) : x
    }
    // Up to 15 digits is always exact as a double; longer tokens go through BigInt.
    if (token.length <= 15) return Number(token) + 0 // `+ 0` turns -0 into 0: Python ints have no -0
    const big = BigInt(token)
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big
  }

  #string (): string {
    const text = this.#text
    let pos = this.#pos + 1
    let out = ''
    let start = pos
    for (;;) {
      const c = text.charCodeAt(pos)
      if (Number.isNaN(c)) {
        this.#pos = pos
        this.#fail('unterminated string')
      }
      if (c === 0x22) break
      if (c !== 0x5c) {
        pos++
        continue
      }
      out += text.slice(start, pos)
      const e = text[pos + 1]
      if (e === 'u') {
        const hex = text.slice(pos + 2, pos + 6)
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.#pos = pos
          this.#fail('invalid \\u escape')
        }
        out += String.fromCharCode(Number.parseInt(hex, 16))
        pos += 6
      } else {
        const r = e === undefined ? undefined : ESCAPES[e]
        if (r === undefined) {
          this.#pos = pos
          this.#fail('invalid escape')
        }
        out += r
        pos += 2
      }
      start = pos
    }
    out += text.slice(start, pos)
    this.#pos = pos + 1
    return out
  }

  #array (depth: number): PyJsonValue[] {
    this.#pos++
    const out: PyJsonValue[] = []
    this.#skipSpace()
    if (this.#text[this.#pos] === ']') {
      this.#pos++
      return out
    }
    for (;;) {
      out.push(this.#value(depth + 1))
      this.#skipSpace()
      const c = this.#text[this.#pos++]
      if (c === ']') return out
      if (c !== ',') {
        this.#pos--
        this.#fail("expected ',' or ']'")
      }
    }
  }

  #object (depth: number): Record<string, PyJsonValue> {
    this.#pos++
    const out = Object.create(null) as Record<string, PyJsonValue>
    this.#skipSpace()
    if (this.#text[this.#pos] === '}') {
      this.#pos++
      return out
    }
    for (;;) {
      this.#skipSpace()
      if (this.#text[this.#pos] !== '"') this.#fail('expected a string key')
      const key = this.#string()
      this.#skipSpace()
      if (this.#text[this.#pos] !== ':') this.#fail("expected ':'")
      this.#pos++
      out[key] = this.#value(depth + 1)
      this.#skipSpace()
      const c = this.#text[this.#pos++]
      if (c === '}') return out
      if (c !== ',') {
        this.#pos--
        this.#fail("expected ',' or '}'")
      }
    }
  }
}

/**
 * Parses JSON as Python writes it (see the file comment). `what` names the input in error
 * messages (e.g. `'metadata.json'`). Throws `SeriesFormatError`.
 */
export function parseLenientJson (text: string, what = 'input'): PyJsonValue {
  return new Parser(text, what).parse()
}
