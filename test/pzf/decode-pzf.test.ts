// decodePzf, decodePzfInto and readPzfHeader on malformed and hostile input: every refusal is a
// PzfFormatError (PzfLimitError for limits) raised before frame-sized allocation.
import t from 'tap'
import { decodePzf, decodePzfInto, encodePzf, readPzfHeader } from '../../lib/pzf/index.js'
import { InvalidArgumentError, PzfFormatError, PzfLimitError } from '../../lib/errors.js'
import { sameBytes } from './same-bytes.js'

const frame = new Uint16Array(40 * 30).map((_, i) => 100 + ((i * 7919) % 53))
const huff = encodePzf(frame, { shape: [40, 30] })

function patched (src: Uint8Array, edit: (b: Buffer) => void): Uint8Array {
  const b = Buffer.from(src)
  edit(b)
  return new Uint8Array(b)
}

t.test('header checks', async (t) => {
  t.throws(() => readPzfHeader(new Uint8Array(2)), { code: 'PYME_ERR_PZF_FORMAT', message: /truncated/ })
  t.throws(() => readPzfHeader([1, 2, 3] as never), PzfFormatError)
  t.throws(() => readPzfHeader(patched(huff, (b) => { b[0] = 0x41 })), { message: /magic/ })
  t.throws(() => readPzfHeader(patched(huff, (b) => { b[2] = 4 })), { message: /version 4/ })
  t.throws(() => readPzfHeader(patched(huff, (b) => { b[2] = 0 })), { message: /version 0/ })
  t.throws(() => readPzfHeader(huff.subarray(0, 63)), { message: /truncated PZF header: 63 of 64/ })
  t.throws(() => readPzfHeader(patched(huff, (b) => { b[3] = 3 })), { message: /DataFormat 3/ })
  t.throws(() => readPzfHeader(patched(huff, (b) => { b[4] = 3 })), { message: /DataCompression 3/ })
  t.throws(() => readPzfHeader(patched(huff, (b) => { b[5] = 2 })), { message: /DataQuantization 2/ })
  t.throws(() => readPzfHeader(patched(huff, (b) => { b[6] = 0x58 })), { message: /DimOrder/ })
  t.throws(() => readPzfHeader(patched(huff, (b) => { b.writeUInt32LE(63, 48) })), { message: /inside the header/ })
  t.throws(() => readPzfHeader(patched(huff, (b) => { b.writeUInt32LE(huff.length + 1, 48) })), { message: /past the end/ })
  t.equal(readPzfHeader(patched(huff, (b) => { b.writeUInt32LE(huff.length, 48) })).dataOffset, huff.length)
})

t.test('version 1: 48-byte header, DimOrder byte ignored', async (t) => {
  const v1 = patched(Buffer.concat([huff.subarray(0, 48), huff.subarray(64)]), (b) => { b[2] = 1; b[6] = 0 })
  const r = decodePzf(v1)
  t.equal(r.header.version, 1)
  t.equal(r.header.headerLength, 48)
  t.equal(r.dimOrder, 'C')
  t.ok(sameBytes(r.data, frame))
  t.throws(() => readPzfHeader(v1.subarray(0, 47)), { message: /truncated PZF header: 47 of 48/ })
})

t.test('limits', async (t) => {
  t.throws(() => decodePzf(huff, { maxPixels: 1199 }), PzfLimitError)
  t.throws(() => decodePzf(huff, { maxBytes: 2399 }), { code: 'PYME_ERR_PZF_LIMIT' })
  t.ok(sameBytes(decodePzf(huff, { maxPixels: 1200, maxBytes: 2400 }).data, frame))
  t.throws(() => decodePzf(huff, { maxPixels: -1 }), InvalidArgumentError)
  t.throws(() => decodePzf(huff, { maxBytes: 2 ** 33 }), InvalidArgumentError)
  // A 64-byte header claiming 65535 x 65535 x 65535 pixels: refused by the default limit.
  const bomb = patched(huff.subarray(0, 64), (b) => { b.writeUInt32LE(65535, 20); b.writeUInt32LE(65535, 24); b.writeUInt32LE(65535, 28) })
  t.throws(() => decodePzf(bomb), PzfLimitError)
})

t.test('raw data section must match the header', async (t) => {
  const raw = encodePzf(frame, { shape: [40, 30], compression: 'raw' })
  t.ok(sameBytes(decodePzf(raw).data, frame))
  t.throws(() => decodePzf(raw.subarray(0, raw.length - 1)), { message: /raw data section is 2399 bytes, the header needs 2400/ })
  t.throws(() => decodePzf(Buffer.concat([raw, Buffer.alloc(1)])), PzfFormatError)
  // Raw levels flagged quantised (one byte per pixel): de-quantised as PZF.md §5 says.
  const levels = new Uint8Array([0, 1, 2, 14, 255, 3])
  const rq = patched(Buffer.concat([raw.subarray(0, 64), levels]), (b) => {
    b[5] = 1; b.writeUInt32LE(2, 20); b.writeUInt32LE(3, 24); b.writeFloatLE(100, 40); b.writeFloatLE(1, 44)
  })
  t.same([...decodePzf(rq).data], [100, 101, 104, 296, 65125, 109])
})

t.test('Huffman stream checks happen before allocating', async (t) => {
  t.throws(() => decodePzf(huff.subarray(0, 64)), { message: /0 bytes cannot hold 2400 bytes/ }, 'empty stream')
  // A header claiming 8x more output than the stream could hold is refused up front.
  const claim = patched(huff, (b) => { b.writeUInt32LE(40 * 8, 20) })
  t.throws(() => decodePzf(claim), { message: /cannot hold/ })
  const shortBy = patched(huff, (b) => { b.writeUInt32LE(41, 20) })
  t.throws(() => decodePzf(shortBy), { message: /truncated Huffman stream/ })
  t.throws(() => decodePzf(huff.subarray(0, huff.length - 10)), PzfFormatError)
  // Trailing bytes after the stream are ignored, as PYME ignores them.
  t.ok(sameBytes(decodePzf(Buffer.concat([huff, Buffer.alloc(5, 0xff)])).data, frame))
  // A single-symbol tree needs one (zero) bit per symbol, as PYME writes it.
  const flat = encodePzf(new Uint8Array(100).fill(3), { shape: [10, 10] })
  t.same([...decodePzf(flat).data], new Array(100).fill(3))
  t.throws(() => decodePzf(flat.subarray(0, flat.length - 1)), { message: /cannot hold|truncated/ })
  // Empty frames decode to empty arrays whatever follows.
  const empty = encodePzf(new Float32Array(0), { shape: [0, 4] })
  t.equal(decodePzf(Buffer.concat([empty, Buffer.from('junk')])).data.length, 0)
})

t.test('chunked Huffman', async (t) => {
  for (const chunks of [1, 2, 5]) {
    const c = encodePzf(frame, { shape: [40, 30], compression: 'huffman-chunks', chunks })
    t.ok(sameBytes(decodePzf(c).data, frame), `${chunks} chunks`)
  }
  const c = encodePzf(frame, { shape: [40, 30], compression: 'huffman-chunks' })
  t.throws(() => decodePzf(c.subarray(0, 65)), { message: /truncated PZF chunk table/ })
  t.throws(() => decodePzf(c.subarray(0, 70)), { message: /truncated PZF chunk table at chunk 1 of 2/ })
  t.throws(() => decodePzf(c.subarray(0, 80)), { message: /chunk 1 of 2 runs past the end/ })
  t.throws(() => decodePzf(patched(c, (b) => { b.writeUInt16LE(1, 64) })), { message: /decode to 1200 bytes, the header needs 2400/ })
  t.throws(() => decodePzf(patched(c, (b) => { b.writeUInt32LE(100000, 70) })), { message: /cannot hold/ })
  // Corrupt the first chunk's tree: the error names the chunk.
  t.throws(() => decodePzf(patched(c, (b) => { b.fill(0, 74, 140) })), { message: /\(chunk 1\)/ })
  t.ok(sameBytes(decodePzf(Buffer.concat([c, Buffer.alloc(3)])).data, frame), 'bytes after the last chunk are ignored')
})

t.test('de-quantisation to every dtype (hand-made headers)', async (t) => {
  const q = encodePzf(frame, { shape: [40, 30], quantization: { offset: 100, scale: 1 } })
  const u16 = decodePzf(q).data as Uint16Array
  const asU8 = decodePzf(patched(q, (b) => { b[3] = 0 })).data
  t.type(asU8, Uint8Array)
  t.same([...asU8.subarray(0, 50)], [...u16.subarray(0, 50)].map((v) => v & 0xff), 'uint8: truncated and wrapped')
  const asF32 = decodePzf(patched(q, (b) => { b[3] = 2 })).data
  t.type(asF32, Float32Array)
  t.same([...asF32.subarray(0, 50)], [...u16.subarray(0, 50)])
})

t.test('decodePzfInto: into the caller\'s memory, checked', async (t) => {
  const file = encodePzf(frame, { shape: [40, 30] })
  for (const impl of ['wasm', 'js'] as const) {
    const target = new Uint16Array(40 * 30 + 7)
    const r = decodePzfInto(file, target, { impl })
    t.equal(r.data.buffer, target.buffer, `${impl}: a view of the target`)
    t.equal(r.data.length, 40 * 30, 'of the frame\'s length')
    t.ok(sameBytes(r.data, frame), 'the pixels')
    // A Uint8Array takes any dtype, at an aligned offset.
    const bytes = new Uint8Array(2 * 40 * 30 + 2)
    const rb = decodePzfInto(file, bytes.subarray(2), { impl })
    t.ok(rb.data instanceof Uint16Array && sameBytes(rb.data, frame), 'bytes target')
    t.throws(() => decodePzfInto(file, bytes.subarray(1), { impl }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /aligned/ })
    t.throws(() => decodePzfInto(file, new Uint16Array(40 * 30 - 1), { impl }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /the frame needs 2400/ })
    t.throws(() => decodePzfInto(file, new Float32Array(40 * 30), { impl }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /Float32Array cannot hold uint16/ })
    t.throws(() => decodePzfInto(file, [] as never, { impl }), { code: 'PYME_ERR_INVALID_ARGUMENT' })
    // A target sharing memory with the input is refused; disjoint parts of one buffer are fine.
    const shared = new Uint8Array(file.length + 2400)
    shared.set(file)
    t.throws(() => decodePzfInto(shared.subarray(0, file.length), shared.subarray(file.length - 2), { impl }), { message: /shares memory/ })
    t.ok(sameBytes(decodePzfInto(shared.subarray(0, file.length), shared.subarray(file.length), { impl }).data, frame), 'disjoint')
  }
  // Quantised and raw frames into a target; a float32 frame into bytes.
  const q = encodePzf(frame, { shape: [40, 30], quantization: { offset: 100, scale: 1 } })
  t.ok(sameBytes(decodePzfInto(q, new Uint16Array(1200)).data, decodePzf(q).data), 'quantised')
  const raw = encodePzf(frame, { shape: [40, 30], compression: 'raw' })
  t.ok(sameBytes(decodePzfInto(raw, new Uint16Array(1200)).data, frame), 'raw')
  const f32 = new Float32Array(12).map((_, i) => i / 3)
  t.ok(sameBytes(decodePzfInto(encodePzf(f32, { shape: [4, 3] }), new Uint8Array(48)).data, f32), 'float32 into bytes')
})
