/**
 * `PyFloat`: a number that Python must read back as a `float`.
 *
 * JavaScript has one number type; Python has `int` and `float`, and PYME's metadata keeps the
 * difference (`100.0` is a float, `100` an int; PROTOCOL.md §7.5 MUST). A non-integer number
 * is always a float, so only integral floats need saying: wrap them in `PyFloat` (or call
 * `float(x)`), or let `MetaDataHandler` do it for keys known to be floats.
 */
import { InvalidArgumentError } from '../errors.js'

/** A float value for Python JSON: written with a decimal point or exponent (`100.0`, `1e+16`). */
export class PyFloat {
  readonly value: number

  constructor (value: number) {
    if (typeof value !== 'number') throw new InvalidArgumentError('invalid float: expected a number')
    this.value = value
  }

  /** Arithmetic and comparisons see the plain number. */
  valueOf (): number { return this.value }

  /** `JSON.stringify` sees the plain number (use `formatPythonJson` to keep the float-ness). */
  toJSON (): number { return this.value }

  toString (): string { return String(this.value) }
}

/** Marks `value` as a Python float: `float(100)` is written as `100.0`. */
export function float (value: number): PyFloat {
  return new PyFloat(value)
}
