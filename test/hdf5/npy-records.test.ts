import t from 'tap'
import { isNpy, looksPickled, parseJsonRecords, parseNpy, sameLayout } from '../../lib/hdf5/npy-records.js'

const enc = new TextEncoder()
function npy (header: string, data: Uint8Array, major = 1): Uint8Array {
  const pre = major === 1 ? 10 : 12
  let h = header
  h += ' '.repeat(63 - ((pre + h.length) % 64)) + '\n'
  const out = new Uint8Array(pre + h.length + data.length)
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0])
  const v = new DataView(out.buffer)
  if (major === 1) v.setUint16(8, h.length, true)
  else v.setUint32(8, h.length, true)
  out.set(enc.encode(h), pre)
  out.set(data, pre + h.length)
  return out
}

t.test('.npy structured arrays: layouts, padding removed, versions', async (t) => {
  const b = parseNpy(npy("{'descr': [('a', '<i2'), ('', '|V2'), ('b', '<f8'), ('s', '|S3'), ('ok', '|b1'), (('title', 'u'), '<u4')], 'fortran_order': False, 'shape': (1,), }", Uint8Array.from([1, 0, 9, 9, ...new Array(8).fill(0), 0x61, 0x62, 0x63, 1, 5, 0, 0, 0])))
  t.equal(b.count, 1)
  t.equal(b.type.size, 2 + 8 + 3 + 1 + 4, 'packed')
  t.same(b.type.compound_type?.members.map((m) => [m.name, m.offset, m.size]), [['a', 0, 2], ['b', 2, 8], ['s', 10, 3], ['ok', 13, 1], ['u', 14, 4]])
  t.same([...b.bytes.subarray(0, 2)], [1, 0])
  t.same([...b.bytes.subarray(14)], [5, 0, 0, 0])
  t.equal(parseNpy(npy("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,)}", new Uint8Array(8), 2)).count, 2, 'format 2.0')
  t.equal(parseNpy(npy("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (0,)}", new Uint8Array(0), 3)).count, 0, 'format 3.0')
  t.ok(isNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", new Uint8Array(4))))
})

t.test('.npy refusals: malformed (400) and unsupported (415)', async (t) => {
  const bad = (h: string, data = new Uint8Array(8)): Uint8Array => npy(h, data)
  for (const h of ["{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (3,)}", "{'descr': [('a', '<i4')", "{'descr': [(1, '<i4')], 'shape': (2,)}", "{'descr': [('a',)], 'shape': (2,)}", "{'descr': [], 'shape': (2,)}", "{'descr': [('a', '<i4')], 'shape': (2,)} tail", '[1, 2]']) {
    t.throws(() => parseNpy(bad(h)), { code: 'PYME_ERR_INVALID_ARGUMENT', name: 'InvalidArgumentError' }, h)
  }
  for (const h of ["{'descr': [('a', '>i4')], 'shape': (2,)}", "{'descr': '|O', 'shape': (2,)}", "{'descr': '<f4', 'shape': (2,)}", "{'descr': [('a', '<U3')], 'shape': (2,)}", "{'descr': [('a', '<f4', (2,))], 'shape': (2,)}", "{'descr': [('a', '<i4')], 'fortran_order': True, 'shape': (2,)}", "{'descr': [('a', '<i4')], 'shape': (2, 1)}", "{'descr': [('a', '<c16')], 'shape': (2,)}", "{'descr': 'x4', 'shape': (2,)}"]) {
    t.throws(() => parseNpy(bad(h)), { name: 'UnsupportedDataError' }, h)
  }
  t.throws(() => parseNpy(Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 9, 0, 0, 0, 0, 0])), { name: 'UnsupportedDataError' }, 'unknown version')
  t.throws(() => parseNpy(enc.encode('nope')), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => parseNpy(npy("{'descr': '<f4'}", new Uint8Array(0)).subarray(0, 20)), { code: 'PYME_ERR_INVALID_ARGUMENT' }, 'truncated header')
})

t.test('JSON records: inferred layout, conversion to an existing one, refusals', async (t) => {
  const b = parseJsonRecords(enc.encode('[{"i": 1, "f": 1.5, "s": "ab", "ok": true}, {"i": 2, "f": null, "s": "c", "ok": false}]'))
  t.same(b.type.compound_type?.members.map((m) => [m.name, m.type, m.size]), [['i', 0, 8], ['f', 1, 8], ['s', 3, 2], ['ok', 0, 1]])
  const into = parseJsonRecords(enc.encode('[{"i": 3, "f": 2, "s": "xyz", "ok": 1}]'), b.type)
  t.equal(into.bytes.length, b.type.size)
  t.same([...into.bytes.subarray(16, 18)], [0x78, 0x79], 'strings cut to the column width, as numpy does')
  const narrow = parseNpy(npy("{'descr': [('a', '<i1'), ('b', '<u2'), ('c', '<i4'), ('d', '<u8'), ('e', '<f4')], 'shape': (0,)}", new Uint8Array(0))).type
  t.equal(parseJsonRecords(enc.encode('[{"a": -1, "b": 2, "c": -3, "d": 4, "e": 0.5}]'), narrow).bytes.length, 19)
  for (const body of ['{"a": 1}', '[]', '[1]', 'nope', '[{"a": [1]}]', '[{"a": 1}, {"a": "x"}]']) t.throws(() => parseJsonRecords(enc.encode(body)), { code: 'PYME_ERR_INVALID_ARGUMENT' }, body)
  t.throws(() => parseJsonRecords(enc.encode('[{"i": 1.5, "f": 1, "s": "a", "ok": true}]'), b.type), { code: 'PYME_ERR_INVALID_ARGUMENT' }, 'a fraction into an int')
  t.throws(() => parseJsonRecords(enc.encode('[{"i": 1, "f": 1, "s": 2, "ok": true}]'), b.type), { code: 'PYME_ERR_INVALID_ARGUMENT' }, 'a number into a string')
  t.throws(() => parseJsonRecords(enc.encode('[{"i": 1, "f": 1, "s": "a", "ok": true, "x": 1}]'), b.type), { code: 'PYME_ERR_INVALID_ARGUMENT' }, 'unknown field')
  const nested = parseNpy(npy("{'descr': [('n', [('a', '<i4')])], 'shape': (0,)}", new Uint8Array(0))).type
  t.throws(() => parseJsonRecords(enc.encode('[{"n": 1}]'), nested), { name: 'UnsupportedDataError' })
  t.ok(sameLayout(b.type, parseJsonRecords(enc.encode('[{"i": 1, "f": 1.5, "s": "ab", "ok": true}]')).type))
  t.notOk(sameLayout(b.type, narrow))
  t.ok(looksPickled(Uint8Array.from([0x80, 2, 0x2e])))
  t.ok(looksPickled(enc.encode('(lp0\n.')))
  t.notOk(looksPickled(enc.encode('[{"a": 1}]')))
})
