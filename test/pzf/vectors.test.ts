// Conformance against PYME-written vectors (test/fixtures/pzf, copied from the project's reference
// set with their manifest), driven by manifest.json (its `conventions` block defines each field),
// plus PZF.md §8.
import { createHash } from 'node:crypto'
import { readdirSync } from 'node:fs'
import t from 'tap'
import { decodePzf, encodePzf, readPzfHeader, type PzfCompression, type PzfPixels } from '../../lib/pzf/index.js'
import { InvalidArgumentError, PzfFormatError } from '../../lib/errors.js'
import { cOrderBytes, readVectorInput, readVectorPzf, readVectorRaw, VECTORS, vectorCases, type VectorCase } from '../helpers/pzf-vectors.js'

type Case = VectorCase
const cases = vectorCases()

const compressions: Record<string, PzfCompression> = { RAW: 'raw', HUFFCODE: 'huffman', HUFFCODE_CHUNKS: 'huffman-chunks' }

function typed (dtype: 'uint8' | 'uint16' | 'float32', bytes: Uint8Array): PzfPixels {
  const buf = bytes.slice().buffer
  return dtype === 'uint8' ? new Uint8Array(buf) : dtype === 'uint16' ? new Uint16Array(buf) : new Float32Array(buf)
}

/** Reorders `(W,H,D)` pixels from C order to F order. */
function toFOrder<T extends PzfPixels> (data: T, shape: readonly number[]): T {
  const [w = 1, h = 1, d = 1] = shape
  const out = new (data.constructor as new (n: number) => T)(data.length)
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      for (let z = 0; z < d; z++) out[x + w * (y + h * z)] = data[(x * h + y) * d + z] as number
    }
  }
  return out
}

/** The input handed to PYME's dumps, in its memory order. */
function inputOf (c: Case): PzfPixels {
  const data = typed(c.input_dtype as 'uint16', readVectorInput(c.name))
  return c.input_memory_order === 'F' ? toFOrder(data, c.input_shape) : data
}

function encodeCase (c: Case, pymeExact = true): Uint8Array {
  const p = c.encode_params
  return encodePzf(inputOf(c), {
    shape: c.input_shape as [number, number],
    dimOrder: c.dim_order,
    compression: compressions[p.compression] as PzfCompression,
    quantization: p.quantization === 'SQRT' ? { offset: p.quantizationOffset, scale: p.quantizationScale, pymeExact } : null,
    sequenceId: BigInt(p.sequenceID),
    frameNum: p.frameNum,
    timestamp: BigInt(p.frameTimestamp)
  })
}

t.test('every stored fixture matches the manifest', async (t) => {
  t.ok(cases.length >= 50, `${cases.length} cases`)
  const byFile = new Map<string, string>()
  for (const c of cases) {
    byFile.set(c.pzf, c.pzf_sha256)
    if (c.raw !== null && c.raw_sha256 !== null) byFile.set(c.raw, c.raw_sha256)
    if (c.input_file !== null && c.input_sha256 !== null) byFile.set(c.input_file, c.input_sha256)
  }
  const files = readdirSync(VECTORS).filter((f) => f !== 'manifest.json' && f !== 'README.md')
  for (const f of files) {
    const name = f.replace(/\.gz$/, '')
    t.ok(byFile.has(name), `${f} is a file of the manifest`)
  }
  for (const c of cases) {
    t.ok(files.includes(c.pzf), `${c.name}: .pzf stored`)
    if (!c.lossless && c.input_file !== null) t.ok(files.includes(c.input_file) || files.includes(`${c.input_file}.gz`), `${c.name}: lossy input stored`)
  }
  // readVector* check each sha256 against the manifest and throw on a damaged copy.
  for (const c of cases) {
    t.equal(createHash('sha256').update(readVectorPzf(c.name)).digest('hex'), c.pzf_sha256, `${c.name}: .pzf sha256`)
    if (c.input_file !== null) t.equal(createHash('sha256').update(readVectorInput(c.name)).digest('hex'), c.input_sha256, `${c.name}: input sha256`)
  }
})

t.test('decode reproduces every .raw and header', async (t) => {
  for (const c of cases) {
    const pzf = readVectorPzf(c.name)
    if (c.expect === 'decode_error') {
      t.throws(() => decodePzf(pzf), PzfFormatError, `${c.name}: refused`)
      continue
    }
    const r = decodePzf(pzf)
    t.same(r.shape, c.shape, `${c.name}: shape`)
    t.equal(r.dtype, c.dtype, `${c.name}: dtype`)
    t.equal(r.dimOrder, c.dim_order, `${c.name}: dimOrder`)
    t.equal(r.header.version, c.version, `${c.name}: version`)
    t.equal(r.header.dataOffset, c.data_offset, `${c.name}: dataOffset`)
    t.equal(r.header.sequenceId, BigInt(c.sequenceID), `${c.name}: sequenceId`)
    t.equal(r.header.frameNum, c.frameNum, `${c.name}: frameNum`)
    t.equal(r.header.timestamp, BigInt(c.frameTimestamp), `${c.name}: timestamp`)
    t.equal(r.header.compression, compressions[c.compression], `${c.name}: compression`)
    if (c.quantization === 'SQRT') t.same(r.header.quantization, { offset: c.offset, scale: c.scale }, `${c.name}: quantization`)
    else t.equal(r.header.quantization, null, `${c.name}: not quantised`)
    // PYME's .raw is identified by its sha256: our decoded pixels must hash to it.
    t.equal(createHash('sha256').update(cOrderBytes(r)).digest('hex'), c.raw_sha256, `${c.name}: pixels equal PYME's .raw`)
    t.ok(Buffer.from(cOrderBytes(r)).equals(readVectorRaw(c.name)), `${c.name}: and the fixture loader's .raw`)
  }
})

// Vectors whose .pzf came straight from PYME's dumps (not hand-patched, not a PYME bug).
const encodable = cases.filter((c) => c.input_file !== null && c.producer.startsWith('PZFFormat.dumps') && !c.name.startsWith('bug_'))

t.test('encode reproduces PYME byte for byte', async (t) => {
  t.ok(encodable.length >= 45, `${encodable.length} encodable cases`)
  for (const c of encodable) {
    t.ok(Buffer.from(encodeCase(c)).equals(readVectorPzf(c.name)), `${c.name}: identical bytes`)
  }
})

t.test('default quantiser saturates: identical unless PYME overflows', async (t) => {
  for (const c of encodable.filter((c) => c.quantization === 'SQRT')) {
    const ours = encodeCase(c, false)
    const pyme = readVectorPzf(c.name)
    const input = inputOf(c) as Uint16Array
    const limit = c.offset + (255.5 * c.scale) ** 2
    const overflows = input.some((v) => v >= limit)
    if (!overflows) {
      t.ok(Buffer.from(ours).equals(pyme), `${c.name}: identical bytes`)
      continue
    }
    // The ramps reach 65535: PYME wraps those pixels to dark levels, we keep them at 255.
    const mine = decodePzf(ours).data
    const theirs = decodePzf(pyme).data
    const top = Math.trunc(Math.fround(Math.fround(Math.fround(255 * c.scale) ** 2) + c.offset))
    let differ = 0
    let wrong = 0
    for (let i = 0; i < input.length; i++) {
      if (mine[i] === theirs[i]) continue
      differ++
      if (mine[i] !== top) wrong++
    }
    t.ok(differ > 0, `${c.name}: PYME wrapped ${differ} pixels`)
    t.equal(wrong, 0, `${c.name}: every differing pixel saturated at level 255`)
  }
})

t.test('hand-patched vectors: our output under the same patch', async (t) => {
  const byName = (n: string): Case => cases.find((c) => c.name === n) as Case
  const v2 = byName('h_v2_header_u2_huff')
  const ours = encodeCase(v2)
  const patched = Buffer.concat([ours.subarray(0, 48), ours.subarray(64)])
  patched[2] = 2
  t.ok(patched.equals(readVectorPzf(v2.name)), 'v2: version 2, 48-byte header')

  const off = byName('h_dataoffset128_u2_huff')
  const o = Buffer.from(encodeCase(off))
  o.writeUInt32LE(128, 48)
  t.ok(Buffer.concat([o.subarray(0, 64), Buffer.alloc(64, 0xee), o.subarray(64)]).equals(readVectorPzf(off.name)), 'DataOffset 128')

  const f4 = byName('h_quant_fmt_f4')
  const q = Buffer.from(encodeCase(f4))
  q[3] = 2
  t.ok(q.equals(readVectorPzf(f4.name)), 'quantised payload flagged float32')
})

t.test('PYME bug vectors: refused or handled, never a crash', async (t) => {
  const byName = (n: string): Case => cases.find((c) => c.name === n) as Case
  const raw = byName('bug_quant_raw')
  t.throws(() => encodeCase(raw), InvalidArgumentError, 'raw + sqrt refused on encode')
  t.throws(() => decodePzf(readVectorPzf(raw.name)), { code: 'PYME_ERR_PZF_FORMAT', message: /unquantised/ }, 'and on decode, saying why')

  const fourD = byName('bug_4d_truncated')
  t.throws(() => encodePzf(typed('uint16', readVectorInput(fourD.name)), { shape: [3, 4, 5, 2] as never }),
    InvalidArgumentError, '4-D input refused (PYME silently drops the fourth axis)')

  // PYME writes codes with (bit offset + length) > 32 as zeros; ours are right.
  const long = byName('bug_huffman_longcode')
  const input = readVectorInput(long.name)
  const ours = encodePzf(input, { shape: [4, 128557] })
  const pyme = readVectorPzf(long.name)
  t.ok(Buffer.from(decodePzf(ours).data).equals(input), 'our stream decodes to the input')
  t.notOk(Buffer.from(decodePzf(pyme).data).equals(input), "PYME's does not")
  t.equal(ours.length, pyme.length, 'same size: same tree, same code lengths')
  const treeBytes = Math.floor((10 * 27 - 1) / 8)
  t.ok(Buffer.from(ours.subarray(0, 64 + treeBytes)).equals(pyme.subarray(0, 64 + treeBytes)), 'same header and tree')
})

t.test('PZF.md §8.2 complete files', async (t) => {
  const px = new Uint16Array([100, 101, 102, 100, 100, 300])
  const head = (cc: number, qq: number, oo: string, ss: string): string =>
    '42440301' + hex(cc) + hex(qq) + '4300' + '0000000000000000' + '07000000' + '02000000' + '03000000' + '01000000' +
    '0000000000000000' + oo + ss + '40000000' + '00'.repeat(12)
  const hex = (v: number): string => v.toString(16).padStart(2, '0')
  const opts = { shape: [2, 3] as [number, number], frameNum: 7 }
  t.equal(Buffer.from(encodePzf(px, { ...opts, compression: 'raw' })).toString('hex'),
    head(0, 0, '00000000', '00000000') + '640065006600640064002c01')
  t.equal(Buffer.from(encodePzf(px, opts)).toString('hex'), head(1, 0, '00000000', '00000000') + '401642590159acb3dc9334')
  const q = encodePzf(px, { ...opts, quantization: { offset: 100, scale: 1 } })
  t.equal(Buffer.from(q).toString('hex'), head(1, 1, '0000c842', '0000803f') + '21d0180570')
  t.same([...decodePzf(q).data], [100, 101, 101, 100, 100, 296])
  t.same(readPzfHeader(q).quantization, { offset: 100, scale: 1 })
})
