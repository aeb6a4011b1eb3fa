// Sqrt quantiser and de-quantiser against the reference functions of PZF.md §6 (which
// were checked against the compiled C code and NumPy), for all 65,536 inputs.
import t from 'tap'
import { dequantisationTable, quantisationTable } from '../../lib/pzf/sqrt-quantiser.js'
import { sameBytes } from './same-bytes.js'

/** PZF.md §6.1, verbatim. */
function quantiseU16 (d: Uint16Array, offset: number, scale: number): Uint8Array {
  const off = Math.fround(offset)
  const sc = Math.fround(scale)
  const qs = Math.fround(1.0 / sc)
  const out = new Uint8Array(d.length)
  for (let i = 0; i < d.length; i++) {
    const x = Math.fround((d[i] as number) - off)
    if (x < 0 || Number.isNaN(x)) { out[i] = 0; continue }
    const v = Math.fround(qs * Math.fround(Math.sqrt(x)))
    out[i] = Math.floor(v + 0.5) & 0xff
  }
  return out
}

/** PZF.md §6.2, verbatim. */
function dequantiseToU16 (q: Uint8Array, scale32: number, offset32: number): Uint16Array {
  const out = new Uint16Array(q.length)
  for (let i = 0; i < q.length; i++) {
    const f = Math.fround((q[i] as number) * scale32)
    const v = Math.fround(Math.fround(f * f) + offset32)
    const tr = Math.trunc(v)
    out[i] = (Number.isFinite(tr) && Math.abs(tr) < 2 ** 31) ? (tr & 0xffff) : 0
  }
  return out
}

const all = new Uint16Array(65536).map((_, i) => i)
const levels = new Uint8Array(256).map((_, i) => i)

t.test('PZF.md §8.3 spot checks (scalar build)', async (t) => {
  t.equal(quantisationTable(0, 1, true)[1722], 41, '1722 -> 41 (AVX builds give 42)')
  t.equal(quantisationTable(0, 1, true)[65535], 0, '65535 wraps: 256 -> 0')
  t.equal(quantisationTable(0, 1, false)[65535], 255, 'ours saturates')
  t.equal(quantisationTable(100, 1, true)[99], 0, 'below offset -> 0')
  t.equal(quantisationTable(100, 1, true)[300], 14)
})

t.test('pymeExact matches the reference for all inputs; saturation differs only where PYME wraps', async (t) => {
  for (const [offset, scale] of [[0, 1], [100, 1], [100, 0.5], [100, 2], [99.5, 1.3], [0, 0.001], [1000, 100], [65535, 3]]) {
    const ref = quantiseU16(all, offset as number, scale as number)
    t.ok(sameBytes(quantisationTable(offset as number, scale as number, true), ref), `exact ${offset}/${scale}`)
    const sat = quantisationTable(offset as number, scale as number, false)
    let bad = 0
    for (let d = 0; d < 65536; d++) {
      const x = Math.fround(d - Math.fround(offset as number))
      const unwrapped = x < 0 ? 0 : Math.floor(Math.fround(Math.fround(1 / Math.fround(scale as number)) * Math.fround(Math.sqrt(x))) + 0.5)
      if (sat[d] !== Math.min(255, unwrapped)) bad++
    }
    t.equal(bad, 0, `saturating ${offset}/${scale}`)
  }
  const a = quantisationTable(100, 1, false)
  t.equal(quantisationTable(100, 1, false), a, 'the last table is cached')
})

t.test('de-quantiser matches the reference, with truncate-and-wrap casts', async (t) => {
  for (const [scale, offset] of [[1, 100], [0.5, 100], [2, 0], [Math.fround(1.3), 99.5], [100, 0]]) {
    const s = Math.fround(scale as number)
    const o = Math.fround(offset as number)
    t.ok(sameBytes(dequantisationTable(s, o, 'uint16'), dequantiseToU16(levels, s, o)), `${scale}/${offset}`)
  }
  t.equal(dequantisationTable(0, -1.5, 'uint16')[0], 65535, '-1.5 -> 65535')
  t.equal(dequantisationTable(0, -0.5, 'uint16')[0], 0, '-0.5 -> 0')
  t.equal(dequantisationTable(0, 70000.7, 'uint16')[0], 4464, '70000.7 -> 4464')
  t.equal(dequantisationTable(0, 296.9, 'uint16')[0], 296)
  t.equal(dequantisationTable(0, 3e9, 'uint16')[0], 0, 'beyond int32 -> 0')
  t.equal(dequantisationTable(Number.NaN, 0, 'uint16')[0], 0, 'NaN -> 0')
  t.equal(dequantisationTable(0, 300.5, 'uint8')[0], 44, 'uint8 wraps')
  t.equal(dequantisationTable(1, 0.25, 'float32')[3], 9.25, 'float32 keeps the value')
})
