/**
 * Record batches for result tables: a NumPy `.npy` file of a structured array, or JSON
 * records (`[{"x": 1.5, "t": 3}, …]`, what pandas' `read_json` reads), turned into bytes in
 * an HDF5 compound layout.
 *
 * `.npy` (format 1.0–3.0): `\x93NUMPY`, version, header length, a Python dict literal
 * `{'descr': …, 'fortran_order': False, 'shape': (n,)}`, then the rows. Supported fields:
 * little-endian ints, unsigned ints and floats, byte strings (`S`), bools (stored as uint8:
 * h5wasm cannot write HDF5 bitfields), nested structures, padding. Refused as unsupported
 * (`UnsupportedDataError`): big-endian, object, unicode, datetime, complex and sub-array
 * fields. Nothing here is ever unpickled.
 */
import { InvalidArgumentError } from '../errors.js'
import { H5T, type H5Type } from './h5-file.js'

/** Well-formed data that cannot be stored (the server answers 415). */
export class UnsupportedDataError extends InvalidArgumentError {
  constructor (message: string) {
    super(message)
    this.name = 'UnsupportedDataError'
  }
}

type Member = H5Type & { readonly name: string, readonly offset: number }

/** Rows in a compound layout. */
export interface RecordBatch {
  readonly type: H5Type
  readonly count: number
  readonly bytes: Uint8Array
}

type PyLit = string | number | boolean | null | PyLit[]

// A Python literal (the .npy header): dicts, tuples, lists, strings, ints, True/False/None.
function parsePyLiteral (text: string): PyLit | Record<string, PyLit> {
  let pos = 0
  const bad = (): never => { throw new InvalidArgumentError(`malformed .npy header at ${pos}`) }
  const ws = (): void => { while (pos < text.length && /\s/.test(text[pos] as string)) pos++ }
  const value = (depth: number): PyLit | Record<string, PyLit> => {
    if (depth > 32) bad()
    ws()
    const c = text[pos]
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, pos + 1)
      if (end < 0) bad()
      const s = text.slice(pos + 1, end)
      pos = end + 1
      return s
    }
    if (c === '{') {
      pos++
      const out: Record<string, PyLit> = Object.create(null) as Record<string, PyLit>
      for (;;) {
        ws()
        if (text[pos] === '}') { pos++; return out }
        const k = value(depth + 1)
        ws()
        if (text[pos++] !== ':' || typeof k !== 'string') bad()
        out[k as string] = value(depth + 1) as PyLit
        ws()
        if (text[pos] === ',') pos++
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']'
      pos++
      const out: PyLit[] = []
      for (;;) {
        ws()
        if (text[pos] === close) { pos++; return out }
        out.push(value(depth + 1) as PyLit)
        ws()
        if (text[pos] === ',') pos++
        else if (text[pos] !== close) bad()
      }
    }
    const m = /^(?:-?\d+|True|False|None)/.exec(text.slice(pos))
    if (m === null) return bad()
    pos += m[0].length
    return m[0] === 'True' ? true : m[0] === 'False' ? false : m[0] === 'None' ? null : Number(m[0])
  }
  const v = value(0)
  ws()
  if (pos !== text.length) bad()
  return v
}

function scalarType (descr: string): H5Type {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)(.*)$/.exec(descr)
  if (m === null) throw new InvalidArgumentError(`malformed dtype '${descr}'`)
  const [, order, kind, len, rest] = m as unknown as [string, string, string, string, string]
  const size = Number(len)
  if (order === '>' && size > 1) throw new UnsupportedDataError(`big-endian field '${descr}' is not supported`)
  if (rest !== '') throw new UnsupportedDataError(`field type '${descr}' is not supported`)
  const base = { littleEndian: true, vlen: false }
  switch (kind) {
    case 'i': if ([1, 2, 4, 8].includes(size)) return { ...base, type: H5T.INTEGER, size, signed: true }; break
    case 'u': if ([1, 2, 4, 8].includes(size)) return { ...base, type: H5T.INTEGER, size, signed: false }; break
    case 'b': if (size === 1) return { ...base, type: H5T.INTEGER, size: 1, signed: false }; break
    case 'f': if (size === 4 || size === 8) return { ...base, type: H5T.FLOAT, size, signed: true }; break
    case 'S': if (size >= 1) return { ...base, type: H5T.STRING, size, signed: false, cset: 0 }; break
    case 'V': if (size >= 1) return { ...base, type: -1, size, signed: false }; break
  }
  throw new UnsupportedDataError(`field type '${descr}' is not supported`)
}

function compoundType (descr: PyLit): H5Type {
  if (typeof descr === 'string') return scalarType(descr)
  if (!Array.isArray(descr)) throw new InvalidArgumentError('malformed dtype in .npy header')
  const members: Member[] = []
  let offset = 0
  for (const field of descr) {
    if (!Array.isArray(field) || field.length < 2) throw new InvalidArgumentError('malformed structured dtype in .npy header')
    if (field.length > 2) throw new UnsupportedDataError('sub-array fields are not supported')
    const rawName = field[0]
    const name = Array.isArray(rawName) ? rawName[1] : rawName
    if (typeof name !== 'string') throw new InvalidArgumentError('malformed field name in .npy header')
    const t = compoundType(field[1] as PyLit)
    if (name !== '' && t.type !== -1) members.push({ ...t, name, offset })
    offset += t.size
  }
  if (members.length === 0) throw new InvalidArgumentError('structured dtype without fields')
  return { type: H5T.COMPOUND, size: offset, signed: false, littleEndian: true, vlen: false, compound_type: { members, nmembers: members.length } }
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]

/** True when `body` starts like a .npy file. */
export function isNpy (body: Uint8Array): boolean {
  return NPY_MAGIC.every((b, i) => body[i] === b)
}

/** True for what looks like a Python pickle: protocol 2+ (`\x80`), or protocol 0/1 text ending in STOP. */
export function looksPickled (body: Uint8Array): boolean {
  if (body[0] === 0x80) return true
  return body[body.length - 1] === 0x2e && /^[(\]})cNIFSVLJKG]/.test(String.fromCharCode(body[0] ?? 0))
}

/** Parses a structured 1-D `.npy`. */
export function parseNpy (body: Uint8Array): RecordBatch {
  if (!isNpy(body) || body.length < 10) throw new InvalidArgumentError('not a .npy file')
  const major = body[6] as number
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  let headerLen: number
  let start: number
  if (major === 1) {
    headerLen = view.getUint16(8, true)
    start = 10
  } else if (major === 2 || major === 3) {
    if (body.length < 12) throw new InvalidArgumentError('truncated .npy header')
    headerLen = view.getUint32(8, true)
    start = 12
  } else {
    throw new UnsupportedDataError(`.npy format version ${major} is not supported`)
  }
  if (start + headerLen > body.length) throw new InvalidArgumentError('truncated .npy header')
  const header = parsePyLiteral(new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(body.subarray(start, start + headerLen)).trim())
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new InvalidArgumentError('malformed .npy header')
  const h = header as Record<string, PyLit>
  if (h['fortran_order'] === true) throw new UnsupportedDataError('Fortran-order arrays are not supported')
  const descr = h['descr']
  if (typeof descr === 'string' && descr.includes('O')) throw new UnsupportedDataError('object arrays are not supported (they are pickles)')
  const type = compoundType(descr as PyLit)
  if (type.type !== H5T.COMPOUND) throw new UnsupportedDataError('a table needs a structured array (named fields)')
  const shape = h['shape']
  if (!Array.isArray(shape) || shape.length !== 1 || typeof shape[0] !== 'number') throw new UnsupportedDataError('a table needs a 1-D array')
  const count = shape[0]
  const data = body.subarray(start + headerLen)
  if (data.length !== count * type.size) throw new InvalidArgumentError(`.npy data is ${data.length} bytes, expected ${count * type.size}`)
  return repack(type, count, data)
}

type Copy = [from: number, to: number, size: number]

function packed (t: H5Type, base: number, at: number, copies: Copy[]): H5Type {
  if (t.type !== H5T.COMPOUND) {
    const last = copies[copies.length - 1]
    // Adjacent fields are copied as one run.
    if (last !== undefined && last[0] + last[2] === base && last[1] + last[2] === at) last[2] += t.size
    else copies.push([base, at, t.size])
    return t
  }
  const members: Member[] = []
  let offset = 0
  for (const m of t.compound_type?.members ?? []) {
    const inner = packed(m, base + m.offset, at + offset, copies)
    members.push({ ...inner, name: m.name, offset })
    offset += inner.size
  }
  return { ...t, size: offset, compound_type: { members, nmembers: members.length } }
}

// PyTables reads only packed compound types correctly (it misreads, even crashes on, the
// padded layouts NumPy writes for aligned dtypes), so rows are re-laid without padding.
function repack (type: H5Type, count: number, data: Uint8Array): RecordBatch {
  const copies: Copy[] = []
  const out = packed(type, 0, 0, copies)
  if (out.size === type.size) return { type: out, count, bytes: data }
  const bytes = new Uint8Array(out.size * count)
  for (let r = 0; r < count; r++) {
    for (const [from, to, size] of copies) bytes.set(data.subarray(r * type.size + from, r * type.size + from + size), r * out.size + to)
  }
  return { type: out, count, bytes }
}

function fieldBytes (m: Member, value: unknown, view: DataView, at: number, bytes: Uint8Array, row: number): void {
  const bad = (): never => { throw new InvalidArgumentError(`record ${row}: bad value for field '${m.name}'`) }
  if (m.type === H5T.STRING) {
    if (typeof value !== 'string') bad()
    bytes.set(new TextEncoder().encode(value as string).subarray(0, m.size), at)
    return
  }
  let n: number
  if (typeof value === 'number') n = value
  else if (typeof value === 'boolean') n = value ? 1 : 0
  else if (value === null && m.type === H5T.FLOAT) n = NaN
  else return bad()
  if (m.type === H5T.FLOAT) {
    if (m.size === 4) view.setFloat32(at, n, true)
    else view.setFloat64(at, n, true)
    return
  }
  if (!Number.isInteger(n)) bad()
  switch (m.size) {
    case 1: m.signed ? view.setInt8(at, n) : view.setUint8(at, n); break
    case 2: m.signed ? view.setInt16(at, n, true) : view.setUint16(at, n, true); break
    case 4: m.signed ? view.setInt32(at, n, true) : view.setUint32(at, n, true); break
    default: m.signed ? view.setBigInt64(at, BigInt(n), true) : view.setBigUint64(at, BigInt(n), true)
  }
}

function inferType (records: ReadonlyArray<Record<string, unknown>>): H5Type {
  const names = Object.keys(records[0] as object)
  const members: Member[] = []
  let offset = 0
  for (const name of names) {
    const values = records.map((r) => r[name])
    let t: H5Type
    if (values.every((v) => typeof v === 'boolean')) t = scalarType('|b1')
    else if (values.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) t = scalarType('<i8')
    else if (values.every((v) => typeof v === 'number' || v === null)) t = scalarType('<f8')
    else if (values.every((v) => typeof v === 'string')) {
      t = scalarType(`|S${Math.max(1, ...values.map((v) => new TextEncoder().encode(v as string).length))}`)
    } else throw new InvalidArgumentError(`field '${name}' mixes types or holds nested values`)
    members.push({ ...t, name, offset })
    offset += t.size
  }
  return { type: H5T.COMPOUND, size: offset, signed: false, littleEndian: true, vlen: false, compound_type: { members, nmembers: members.length } }
}

/**
 * JSON records into the layout of `type` (an existing table), or of a type inferred from
 * the records (floats f8, integers i8, strings S<longest>, booleans u1).
 */
export function parseJsonRecords (body: Uint8Array, type?: H5Type): RecordBatch {
  let records: unknown
  try {
    records = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
  } catch (err) {
    throw new InvalidArgumentError(`body is neither .npy nor JSON records: ${(err as Error).message}`)
  }
  if (!Array.isArray(records) || records.length === 0 || !records.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
    throw new InvalidArgumentError('JSON body must be a non-empty array of records (objects)')
  }
  const rows = records as Array<Record<string, unknown>>
  const t = type ?? inferType(rows)
  const members = t.compound_type?.members ?? []
  const bytes = new Uint8Array(t.size * rows.length)
  const view = new DataView(bytes.buffer)
  rows.forEach((r, i) => {
    for (const k of Object.keys(r)) if (!members.some((m) => m.name === k)) throw new InvalidArgumentError(`record ${i}: the table has no field '${k}'`)
    for (const m of members) {
      if (!(m.name in r)) throw new InvalidArgumentError(`record ${i}: field '${m.name}' is missing`)
      if (m.type === H5T.COMPOUND) throw new UnsupportedDataError('JSON records cannot fill nested fields; send .npy')
      fieldBytes(m, r[m.name], view, i * t.size + m.offset, bytes, i)
    }
  })
  return { type: t, count: rows.length, bytes }
}

/** True when two compound layouts are the same (names, offsets, sizes, classes). */
export function sameLayout (a: H5Type, b: H5Type): boolean {
  if (a.type !== b.type || a.size !== b.size) return false
  if (a.type !== H5T.COMPOUND) return a.type !== H5T.INTEGER || a.signed === b.signed
  const am = a.compound_type?.members ?? []
  const bm = b.compound_type?.members ?? []
  return am.length === bm.length && am.every((m, i) => {
    const n = bm[i] as Member
    return m.name === n.name && m.offset === n.offset && sameLayout(m, n)
  })
}
