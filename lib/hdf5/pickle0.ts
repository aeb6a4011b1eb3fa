/**
 * Python pickle protocol 0, for PyTables attributes only, and only plain data.
 *
 * PyTables stores an attribute value that HDF5 cannot hold natively (a list, a dict, None,
 * a number beyond 64 bits) as `pickle.dumps(value, 0)` in an ASCII string attribute, and
 * unpickles any byte-string attribute that ends in `.` when reading. PYME's metadata
 * (`HDFMDHandler.setEntry`) relies on that for lists and dicts, so we write the same text.
 *
 *   None → N            True → I01\n       5 → I5\n          2**70 → L1180591620717411303424L\n
 *   1.5 → F1.5\n        'µ' → V\u00b5\n    [a, b] → (l<a>a<b>a    {k: v} → (d<k><v>s
 *   …and a final `.` (STOP).
 *
 * Reading is the same subset and nothing more: the opcodes that build None, bools, ints,
 * floats, strings, lists, tuples and dicts. Anything else (GLOBAL, REDUCE, BUILD, INST … the
 * opcodes that run code) makes `readPickle0` return undefined: a request body is never
 * unpickled (that is PYME's remote code execution), and an attribute we cannot read safely
 * is shown as its text.
 */
import { PyFloat } from '../internal/py-float.js'
import { pythonFloatRepr, type PyJsonValue } from '../internal/python-json.js'

const INT32_MIN = -0x80000000n
const INT32_MAX = 0x7fffffffn

function escapeUnicode (s: string): string {
  // Python escapes these five itself; every other non-ASCII character we write as a
  // \u / \U escape so the attribute stays ASCII (raw-unicode-escape reads both forms).
  let out = ''
  for (const ch of s) {
    const c = ch.codePointAt(0) as number
    if (c === 0x5c || c === 0 || c === 0x0a || c === 0x0d || c === 0x1a || c >= 0x80) {
      out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`
    } else {
      out += ch
    }
  }
  return out
}

function writeInt (n: bigint): string {
  return n >= INT32_MIN && n <= INT32_MAX ? `I${n}\n` : `L${n}L\n`
}

function write (value: PyJsonValue, depth: number): string {
  if (depth > 512) throw new RangeError('value nested too deeply')
  if (value === null) return 'N'
  if (value === true) return 'I01\n'
  if (value === false) return 'I00\n'
  if (typeof value === 'bigint') return writeInt(value)
  if (typeof value === 'number') return Number.isInteger(value) ? writeInt(BigInt(value)) : `F${pythonFloatRepr(value)}\n`
  if (value instanceof PyFloat) return `F${pythonFloatRepr(value.value)}\n`
  if (typeof value === 'string') return `V${escapeUnicode(value)}\n`
  if (Array.isArray(value)) {
    let out = '(l'
    for (const item of value as readonly PyJsonValue[]) out += write(item, depth + 1) + 'a'
    return out
  }
  let out = '(d'
  for (const [k, v] of Object.entries(value as Record<string, PyJsonValue>)) out += write(k, depth + 1) + write(v, depth + 1) + 's'
  return out
}

/** `pickle.dumps(value, 0)` for plain data (ASCII text, without memo opcodes). */
export function writePickle0 (value: PyJsonValue): string {
  return write(value, 0) + '.'
}

const MARK = Symbol('mark')
type Item = PyJsonValue | typeof MARK

function unescapeRawUnicode (s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u: string | undefined, U: string | undefined) =>
    String.fromCodePoint(parseInt(u ?? U as string, 16)))
}

// Python 2 `S'…'` strings: repr with backslash escapes.
function unquote (s: string): string | undefined {
  const q = s[0]
  if ((q !== "'" && q !== '"') || s.length < 2 || s[s.length - 1] !== q) return undefined
  return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|[\\'"nrt0])/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16))
    return ({ n: '\n', r: '\r', t: '\t', 0: '\0' } as Record<string, string>)[e] ?? e
  })
}

function popMark (stack: Item[]): PyJsonValue[] | undefined {
  const at = stack.lastIndexOf(MARK)
  if (at < 0) return undefined
  const items = stack.splice(at)
  items.shift()
  return items as PyJsonValue[]
}

/**
 * Reads protocol-0 pickle text holding only plain data. Undefined when the text is not such
 * a pickle (or uses any opcode outside that subset).
 */
export function readPickle0 (text: string): PyJsonValue | undefined {
  const stack: Item[] = []
  const memo = new Map<string, PyJsonValue>()
  let pos = 0
  const line = (): string | undefined => {
    const end = text.indexOf('\n', pos)
    if (end < 0) return undefined
    const s = text.slice(pos, end)
    pos = end + 1
    return s
  }
  while (pos < text.length) {
    const op = text[pos++]
    switch (op) {
      case '(': stack.push(MARK); break
      case 'N': stack.push(null); break
      case ']': stack.push([]); break
      case '}': stack.push(Object.create(null) as Record<string, PyJsonValue>); break
      case ')': stack.push([]); break
      case 'I': {
        const s = line()
        if (s === undefined || !/^-?\d+$/.test(s)) return undefined
        if (s === '01' || s === '00') stack.push(s === '01')
        else {
          const n = BigInt(s)
          stack.push(n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n)
        }
        break
      }
      case 'L': {
        const s = line()
        if (s === undefined || !/^-?\d+L?$/.test(s)) return undefined
        const n = BigInt(s.replace(/L$/, ''))
        stack.push(n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n)
        break
      }
      case 'F': {
        const s = line()
        const v = s === undefined ? NaN : Number(s.replace(/^(-?)inf$/i, '$1Infinity'))
        if (s === undefined || (Number.isNaN(v) && !/^-?nan$/i.test(s))) return undefined
        stack.push(new PyFloat(v))
        break
      }
      case 'V': {
        const s = line()
        if (s === undefined) return undefined
        stack.push(unescapeRawUnicode(s))
        break
      }
      case 'S': {
        const s = line()
        const v = s === undefined ? undefined : unquote(s)
        if (v === undefined) return undefined
        stack.push(v)
        break
      }
      case 'p': {
        const key = line()
        if (key === undefined || stack.length === 0) return undefined
        memo.set(key, stack[stack.length - 1] as PyJsonValue)
        break
      }
      case 'g': {
        const key = line()
        const v = key === undefined ? undefined : memo.get(key)
        // A shared (or self-referencing) list or dict is not plain data.
        if (v === undefined || (typeof v === 'object' && v !== null && !(v instanceof PyFloat))) return undefined
        stack.push(v)
        break
      }
      case '0': if (stack.pop() === undefined) return undefined; break
      case 'l': case 't': {
        const items = popMark(stack)
        if (items === undefined) return undefined
        stack.push(items)
        break
      }
      case 'd': {
        const items = popMark(stack)
        if (items === undefined || items.length % 2 !== 0) return undefined
        const d = Object.create(null) as Record<string, PyJsonValue>
        for (let i = 0; i < items.length; i += 2) {
          const key = dictKey(items[i])
          if (key === undefined) return undefined
          d[key] = items[i + 1] as PyJsonValue
        }
        stack.push(d)
        break
      }
      case 'a': {
        const v = stack.pop()
        const list = stack[stack.length - 1]
        if (v === undefined || v === MARK || !Array.isArray(list)) return undefined
        ;(list as PyJsonValue[]).push(v)
        break
      }
      case 'e': {
        const items = popMark(stack)
        const list = stack[stack.length - 1]
        if (items === undefined || !Array.isArray(list)) return undefined
        ;(list as PyJsonValue[]).push(...items)
        break
      }
      case 's': case 'u': {
        const items = op === 's' ? stack.splice(-2) : popMark(stack)
        const d = stack[stack.length - 1]
        if (items === undefined || items.length % 2 !== 0 || items.includes(MARK) || typeof d !== 'object' || d === null || Array.isArray(d) || d instanceof PyFloat) return undefined
        for (let i = 0; i < items.length; i += 2) {
          const key = dictKey(items[i])
          if (key === undefined) return undefined
          ;(d as Record<string, PyJsonValue>)[key] = items[i + 1] as PyJsonValue
        }
        break
      }
      case '.': {
        if (pos !== text.length || stack.length !== 1 || stack[0] === MARK) return undefined
        return stack[0] as PyJsonValue
      }
      default:
        // GLOBAL, REDUCE, BUILD, INST, OBJ, PERSID, binary opcodes…: never interpreted.
        return undefined
    }
  }
  return undefined
}

/** A dict key as JSON holds one: a str, or a number written as text; other keys (tuples, …) fail the parse. */
function dictKey (key: unknown): string | undefined {
  return typeof key === 'string' ? key : typeof key === 'number' ? String(key) : undefined
}
