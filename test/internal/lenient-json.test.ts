import t from 'tap'
import { parseLenientJson } from '../../lib/internal/lenient-json.js'
import { PyFloat } from '../../lib/internal/py-float.js'
import { formatPythonJson, type PyJsonValue } from '../../lib/internal/python-json.js'
import { pythonMissing, runPython } from '../series/python-oracle.js'

t.test('Python tokens and exact numbers', async (t) => {
  const v = parseLenientJson('{"a": NaN, "b": Infinity, "c": -Infinity, "d": 100.0, "e": 100, "f": 1e5, "g": 0.5,' +
    ' "h": 12345678901234567890, "i": -9007199254740993, "j": 9007199254740991, "k": -0, "l": -0.0, "m": 1E-5}') as Record<string, PyJsonValue>
  t.ok(Number.isNaN(v.a))
  t.equal(v.b, Infinity)
  t.equal(v.c, -Infinity)
  t.ok(v.d instanceof PyFloat, '100.0 stays a float')
  t.equal((v.d as PyFloat).value, 100)
  t.equal(v.e, 100, '100 is an int')
  t.ok(v.f instanceof PyFloat, '1e5 is a float')
  t.equal(v.g, 0.5)
  t.equal(v.h, 12345678901234567890n, 'big ints exact')
  t.equal(v.i, -9007199254740993n)
  t.equal(v.j, 9007199254740991, 'safe 16-digit ints are numbers')
  t.ok(Object.is(v.k, 0), 'the int -0 is 0')
  t.ok(v.l instanceof PyFloat && Object.is(v.l.value, -0), '-0.0 keeps its sign')
  t.equal(v.m, 1e-5)
  t.equal(formatPythonJson(v, { indent: 2, sortKeys: true }), [
    '{', '  "a": NaN,', '  "b": Infinity,', '  "c": -Infinity,', '  "d": 100.0,', '  "e": 100,', '  "f": 100000.0,',
    '  "g": 0.5,', '  "h": 12345678901234567890,', '  "i": -9007199254740993,', '  "j": 9007199254740991,', '  "k": 0,',
    '  "l": -0.0,', '  "m": 1e-05', '}'
  ].join('\n'), 'reading and writing again keeps every number as it was')
})

t.test('strings, escapes, structure', async (t) => {
  t.equal(parseLenientJson('"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"'), 'a"b\\c/d\b\f\n\r\té😀')
  t.equal(parseLenientJson('"raw\ttab\u0001"'), 'raw\ttab\u0001', 'control characters accepted')
  t.same(parseLenientJson('\ufeff  [ ]  '), [], 'a byte-order mark and whitespace around the value')
  t.same(parseLenientJson('\ufeff[1, [true, false, null], {}]'), [1, [true, false, null], {}])
  const o = parseLenientJson('{"__proto__": 1, "k": 1, "k": 2}') as Record<string, PyJsonValue>
  t.equal(Object.getPrototypeOf(o), null)
  t.equal(o.__proto__, 1, '__proto__ is data') // eslint-disable-line no-proto -- the test is that `__proto__` stays plain data
  t.equal(o.k, 2, 'last duplicate wins')
  t.same(parseLenientJson(' { "a" : [ 1 , 2 ] } '), { a: [1, 2] })
})

t.test('malformed input: SeriesFormatError with a position', async (t) => {
  const bad = ['', '[', '[1,', '[1 2]', '{"a" 1}', '{"a": 1,}', '{a: 1}', '{"a": 1 "b": 2}', '"abc', '"\\x"', '"\\u12g4"',
    '"\\', 'nan', '01', '1.', '.5', '+1', '[1] x', 'tru', '-', '{"a": }']
  for (const b of bad) {
    t.throws(() => parseLenientJson(b, 'metadata.json'), { code: 'PYME_ERR_SERIES_FORMAT', message: /^metadata\.json is not valid JSON: .* at position \d+$/ }, JSON.stringify(b))
  }
  t.throws(() => parseLenientJson('['.repeat(600) + ']'.repeat(600)), { code: 'PYME_ERR_SERIES_FORMAT', message: /nesting/ })
  t.throws(() => parseLenientJson('x'), { message: /^input is not valid JSON/ })
})

t.test('differential: what Python writes, we read and write back identically', { skip: pythonMissing }, async (t) => {
  const script = [
    'import json, math',
    'v = {"f": [0.1, 100.0, 1e-05, 1e16, 1.5e-07, -0.0, float("nan"), float("inf"), -float("inf"), 2.0**70, 123456789012345.0],',
    '     "i": [0, -1, 2**64, -2**80, 10**30], "s": ["\\u00b5m", "\\U0001F600", "\\x00\\x7f", "q\\"\\\\"], "e": [[], {}],',
    '     "Camera.ADOffset": 100.0, "voxelsize.x": 0.07, "b": [True, False, None]}',
    'print(json.dumps(v, indent=2, sort_keys=True), end="")'
  ].join('\n')
  const text = runPython(script, '')
  t.equal(formatPythonJson(parseLenientJson(text), { indent: 2, sortKeys: true }), text)
})
