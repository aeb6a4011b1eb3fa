import t from 'tap'
import { float, PyFloat } from '../../lib/internal/py-float.js'
import { compareCodePoints, formatPythonJson, pythonFloatRepr, pythonJsonString, type PyJsonValue } from '../../lib/internal/python-json.js'
import { prng, pythonMissing, runPython } from '../series/python-oracle.js'

t.test('float repr: hand-derived Python forms', async (t) => {
  const cases: Array<[number, string]> = [
    [0.1, '0.1'], [100, '100.0'], [1e-5, '1e-05'], [1e16, '1e+16'], [1.5e-7, '1.5e-07'],
    [123456789012345, '123456789012345.0'], [12345678901234568, '1.2345678901234568e+16'],
    [9999999999999998, '9999999999999998.0'], [1e15, '1000000000000000.0'], [0.0001, '0.0001'],
    [0.00012, '0.00012'], [-0.5, '-0.5'], [0, '0.0'], [-0, '-0.0'], [NaN, 'NaN'],
    [Infinity, 'Infinity'], [-Infinity, '-Infinity'], [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'], [1e22, '1e+22'], [1e100, '1e+100'],
    [2.5e-100, '2.5e-100'], [1716872400.123456, '1716872400.123456'], [-1.25e-5, '-1.25e-05']
  ]
  for (const [x, s] of cases) t.equal(pythonFloatRepr(x), s, `repr(${s})`)
})

t.test('strings: ensure_ascii escapes', async (t) => {
  t.equal(pythonJsonString('plain ~'), '"plain ~"')
  t.equal(pythonJsonString('q"b\\'), '"q\\"b\\\\"')
  t.equal(pythonJsonString('\b\f\n\r\t\u0000\u001f\u007f'), '"\\b\\f\\n\\r\\t\\u0000\\u001f\\u007f"')
  t.equal(pythonJsonString('µm é'), '"\\u00b5m \\u00e9"')
  t.equal(pythonJsonString('\u20ac\uffff'), '"\\u20ac\\uffff"')
  t.equal(pythonJsonString('😀'), '"\\ud83d\\ude00"', 'astral characters as a surrogate pair')
  t.equal(pythonJsonString('/'), '"/"', 'the slash is not escaped')
})

t.test('code point order, not UTF-16 order', async (t) => {
  t.ok(compareCodePoints('\uffff', '😀') < 0, 'U+FFFF before U+1F600')
  t.ok(compareCodePoints('😀', '\uffff') > 0)
  t.ok(compareCodePoints('\ud7ff', '😀') < 0)
  t.ok(compareCodePoints('Z', 'a') < 0, 'upper case first')
  t.ok(compareCodePoints('a', 'ab') < 0)
  t.equal(compareCodePoints('😀', '😀'), 0)
  t.ok(compareCodePoints('😀', '😁') < 0)
})

t.test('the §7.5 example, byte for byte', async (t) => {
  const md = { imageID: 0, SizeZ: 1, SizeT: -1, SizeC: 1, DimOrder: 'XYCZT' }
  t.equal(formatPythonJson(md, { indent: 2, sortKeys: true }),
    '{\n  "DimOrder": "XYCZT",\n  "SizeC": 1,\n  "SizeT": -1,\n  "SizeZ": 1,\n  "imageID": 0\n}')
})

t.test('indent, nesting, empties, numbers', async (t) => {
  const v: PyJsonValue = {
    b: [1, [], {}, [2.5, float(3)], { z: null, a: true }],
    a: { y: false, x: 's' },
    big: 12345678901234567890n,
    i: 2 ** 60,
    nan: NaN,
    f: new PyFloat(-0)
  }
  t.equal(formatPythonJson(v, { indent: 2, sortKeys: true }), [
    '{',
    '  "a": {',
    '    "x": "s",',
    '    "y": false',
    '  },',
    '  "b": [',
    '    1,',
    '    [],',
    '    {},',
    '    [',
    '      2.5,',
    '      3.0',
    '    ],',
    '    {',
    '      "a": true,',
    '      "z": null',
    '    }',
    '  ],',
    '  "big": 12345678901234567890,',
    '  "f": -0.0,',
    '  "i": 1152921504606846976,',
    '  "nan": NaN',
    '}'
  ].join('\n'))
  t.equal(formatPythonJson([['StartAq', '0', float(1716872400)], ['a', 'b', 0.5]]),
    '[["StartAq", "0", 1716872400.0], ["a", "b", 0.5]]', 'default separators without indent')
  t.equal(formatPythonJson({ b: 1, a: { c: [] } }), '{"b": 1, "a": {"c": []}}', 'insertion order without sortKeys')
  t.equal(formatPythonJson([]), '[]')
  t.equal(formatPythonJson({}, { indent: 2 }), '{}')
  t.equal(formatPythonJson([1], { indent: 0 }), '[\n1\n]', 'indent 0 breaks lines without spaces')
  t.equal(formatPythonJson(-0), '0', 'an integral -0 is the int 0')
  t.equal(formatPythonJson(1e21), '1000000000000000000000', 'integral numbers are ints with every digit')
})

t.test('values JSON cannot hold are refused', async (t) => {
  const bad: unknown[] = [undefined, () => 1, Symbol('x'), new Date(0), new Uint8Array(2), [new Map()], { a: undefined }]
  for (const b of bad) t.throws(() => formatPythonJson(b as PyJsonValue), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => formatPythonJson(1, { indent: -1 }), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  let deep: PyJsonValue = 1
  for (let i = 0; i < 600; i++) deep = [deep]
  t.throws(() => formatPythonJson(deep), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.equal(formatPythonJson(Object.assign(Object.create(null) as Record<string, PyJsonValue>, { k: 1 })), '{"k": 1}', 'null-prototype objects are plain')
})

function randomDouble (rand: () => number): number {
  const buf = new DataView(new ArrayBuffer(8))
  for (;;) {
    buf.setUint32(0, Math.floor(rand() * 2 ** 32))
    buf.setUint32(4, Math.floor(rand() * 2 ** 32))
    const x = buf.getFloat64(0)
    if (Number.isFinite(x)) return x
  }
}

function randomString (rand: () => number): string {
  const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '\n', '\u0001', '\u007f', 'é', '\u20ac', '\uffff', '😀', '𝔸', '/', '_', '.']
  let s = ''
  const n = Math.floor(rand() * 8)
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)]
  return s
}

function randomValue (rand: () => number, depth: number): PyJsonValue {
  const k = Math.floor(rand() * (depth > 2 ? 7 : 9))
  switch (k) {
    case 0: return null
    case 1: return rand() < 0.5
    case 2: return Math.floor((rand() - 0.5) * 2 ** 40)
    case 3: return BigInt(Math.floor(rand() * 2 ** 50)) * 10n ** BigInt(Math.floor(rand() * 12))
    case 4: return rand() < 0.3 ? float(Math.floor(rand() * 1e6)) : randomDouble(rand)
    case 5: return [1e-5, 1e16, 0.1, 1e-4, 123456789012345.6, NaN, -Infinity][Math.floor(rand() * 7)] as number
    case 6: return randomString(rand)
    case 7: return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1))
    default: {
      const o: Record<string, PyJsonValue> = {}
      const n = Math.floor(rand() * 5)
      for (let i = 0; i < n; i++) o[randomString(rand)] = randomValue(rand, depth + 1)
      return o
    }
  }
}

t.test('differential: Python re-dumps our output to the same bytes', { skip: pythonMissing }, async (t) => {
  const rand = prng(7)
  const values: PyJsonValue[] = Array.from({ length: 400 }, () => randomValue(rand, 0))
  const ours = values.map((v) => formatPythonJson(v, { indent: 2, sortKeys: true }))
  const oursFlat = values.map((v) => formatPythonJson(v, { sortKeys: true }))
  const script = [
    'import json, sys',
    'out = []',
    'for line in sys.stdin.read().split("\\x1e"):',
    '    v = json.loads(line)',
    '    out.append(json.dumps(v, indent=2, sort_keys=True))',
    '    out.append(json.dumps(v))',
    'sys.stdout.write("\\x1e".join(out))'
  ].join('\n')
  // Python parses our sorted output, so its one-line dump keeps that (sorted) key order.
  const theirs = runPython(script, ours.join('\x1e')).split('\x1e')
  const bad: string[] = []
  for (let i = 0; i < values.length; i++) {
    if (theirs[2 * i] !== ours[i]) bad.push(`indented: ours ${ours[i]} python ${theirs[2 * i]}`)
    if (theirs[2 * i + 1] !== oursFlat[i]) bad.push(`flat: ours ${oursFlat[i]} python ${theirs[2 * i + 1]}`)
  }
  t.same(bad, [], 'every value formats as Python does')
})

t.test('differential: repr of 20,000 random doubles', { skip: pythonMissing }, async (t) => {
  const rand = prng(11)
  const xs = Array.from({ length: 20000 }, () => randomDouble(rand))
  for (let e = -330; e <= 310; e++) xs.push(Number(`1e${e}`), Number(`1.5e${e}`), Number(`9.999999999999999e${e}`))
  const script = 'import struct, sys\nfor h in sys.stdin.read().split():\n    print(repr(struct.unpack("<d", bytes.fromhex(h))[0]))'
  const hex = xs.map((x) => Buffer.from(new Float64Array([x]).buffer).toString('hex')).join('\n')
  const expected = runPython(script, hex).trimEnd().split('\n')
  let mismatches = 0
  let first = ''
  xs.forEach((x, i) => {
    const ours = pythonFloatRepr(x)
    if (ours !== (expected[i] ?? '').replace(/^inf$/, 'Infinity').replace(/^-inf$/, '-Infinity')) {
      mismatches++
      if (first === '') first = `${x}: ours ${ours} python ${expected[i]}`
    }
  })
  t.equal(mismatches, 0, first || 'every repr equal')
})
