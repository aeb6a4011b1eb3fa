/**
 * Attribute values as PyTables writes and reads them (`node._f_setattr(name, value)`), which
 * is how PYME's `HDFMDHandler` stores metadata:
 *
 *   int (64-bit)   → H5T_STD_I64LE scalar          float → H5T_IEEE_F64LE scalar
 *   str            → fixed-length UTF-8 string     '' → PyTables: NULL dataspace; ours: 1 byte
 *   bool           → PyTables: H5T_STD_B8 bitfield; ours: the pickle `I01\n.` (h5wasm cannot
 *                    write bitfields; PyTables unpickles it to the same Python True)
 *   None, list, dict, int beyond 64 bits → `pickle.dumps(value, 0)` as an ASCII string
 *
 * Reading accepts all of these plus the other native forms PyTables may have written
 * (bitfields, smaller ints, float32, arrays, NULL dataspace). An ASCII string ending in `.`
 * is read as a pickle through `readPickle0`'s plain-data subset, never Python's unpickler.
 */
import { PyFloat } from '../internal/py-float.js'
import type { PyJsonValue } from '../internal/python-json.js'
import { H5T, type H5File, type H5Type, type RawAttribute } from './h5-file.js'
import { readPickle0, writePickle0 } from './pickle0.js'

const CSET_ASCII = 0
const CSET_UTF8 = 1
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

const textEncoder = new TextEncoder()
const utf8 = new TextDecoder('utf-8')
const latin1 = new TextDecoder('latin1')

/** A string type of `size` bytes. */
export function stringType (size: number, cset: number = CSET_UTF8): H5Type {
  return { type: H5T.STRING, size, cset, signed: false, littleEndian: true, vlen: false }
}

const I64: H5Type = { type: H5T.INTEGER, size: 8, signed: true, littleEndian: true, vlen: false }
const F64: H5Type = { type: H5T.FLOAT, size: 8, signed: true, littleEndian: true, vlen: false }

/** The type and bytes PyTables would store for `value`. */
export function encodeAttribute (value: PyJsonValue): { type: H5Type, bytes: Uint8Array } {
  if (typeof value === 'string') {
    const bytes = textEncoder.encode(value)
    return bytes.length === 0 ? { type: stringType(1), bytes: new Uint8Array(1) } : { type: stringType(bytes.length), bytes }
  }
  if (typeof value === 'number' && Number.isInteger(value)) value = BigInt(value)
  if (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX) {
    const bytes = new Uint8Array(8)
    new DataView(bytes.buffer).setBigInt64(0, value, true)
    return { type: I64, bytes }
  }
  if (typeof value === 'number' || value instanceof PyFloat) {
    const bytes = new Uint8Array(8)
    new DataView(bytes.buffer).setFloat64(0, Number(value), true)
    return { type: F64, bytes }
  }
  const bytes = textEncoder.encode(writePickle0(value))
  return { type: stringType(bytes.length, CSET_ASCII), bytes }
}

/** Sets attribute `name` of the node at `path` as PyTables would. */
export function setPyTablesAttribute (file: H5File, path: string, name: string, value: PyJsonValue): void {
  const { type, bytes } = encodeAttribute(value)
  file.setAttribute(path, name, type, bytes)
}

/** The attributes PyTables gives a group it creates (CLASS, TITLE, VERSION). */
export function setGroupAttributes (file: H5File, path: string): void {
  setPyTablesAttribute(file, path, 'CLASS', 'GROUP')
  setPyTablesAttribute(file, path, 'TITLE', '')
  setPyTablesAttribute(file, path, 'VERSION', '1.0')
}

function stripNul (bytes: Uint8Array): Uint8Array {
  let end = bytes.indexOf(0)
  if (end < 0) end = bytes.length
  return bytes.subarray(0, end)
}

function scalar (a: H5Type, view: DataView, at: number): PyJsonValue {
  if (a.type === H5T.FLOAT) return new PyFloat(a.size === 4 ? view.getFloat32(at, a.littleEndian) : view.getFloat64(at, a.littleEndian))
  if (a.type === H5T.BITFIELD) return view.getUint8(at) !== 0
  let n: bigint
  switch (a.size) {
    case 1: n = BigInt(a.signed ? view.getInt8(at) : view.getUint8(at)); break
    case 2: n = BigInt(a.signed ? view.getInt16(at, a.littleEndian) : view.getUint16(at, a.littleEndian)); break
    case 4: n = BigInt(a.signed ? view.getInt32(at, a.littleEndian) : view.getUint32(at, a.littleEndian)); break
    default: n = a.signed ? view.getBigInt64(at, a.littleEndian) : view.getBigUint64(at, a.littleEndian)
  }
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n
}

/** The value PyTables (and so PYME) would read from a raw attribute; undefined if none fits. */
export function decodeAttribute (a: RawAttribute): PyJsonValue | undefined {
  if (a.type === H5T.STRING) {
    if (a.shape === null) return ''
    if (a.vlen) return undefined
    const bytes = stripNul(a.bytes)
    if (a.cset === CSET_UTF8) return utf8.decode(bytes)
    const text = latin1.decode(bytes)
    if (text.endsWith('.')) {
      const v = readPickle0(text)
      if (v !== undefined) return v
    }
    return text
  }
  if (a.shape === null) return undefined
  if (a.type !== H5T.INTEGER && a.type !== H5T.FLOAT && a.type !== H5T.BITFIELD) return undefined
  const view = new DataView(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength)
  if (a.shape.length === 0) return scalar(a, view, 0)
  const out: PyJsonValue[] = []
  for (let at = 0; at + a.size <= a.bytes.length; at += a.size) out.push(scalar(a, view, at))
  return out
}
