// encodePzf / encodePzfInto / maxPzfLength: options, validation, round trips of every
// dtype, order and layout.
import t from 'tap'
import { decodePzf, encodePzf, encodePzfInto, maxPzfLength, readPzfHeader, type PzfEncodeOptions, type PzfPixels } from '../../lib/pzf/index.js'
import { InvalidArgumentError } from '../../lib/errors.js'
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'
import { sameBytes } from './same-bytes.js'

const camera = makeCameraFrame(64, 48, { seed: 3 })

t.test('round trips: every dtype, order, layout, 2-D and 3-D', async (t) => {
  const u8 = new Uint8Array(64 * 48).map((_, i) => (i * 31) % 251)
  const f32 = new Float32Array(64 * 48).map((_, i) => Math.sin(i) * 1e3)
  for (const data of [u8, camera, f32] as PzfPixels[]) {
    for (const compression of ['raw', 'huffman', 'huffman-chunks'] as const) {
      for (const shape of [[64, 48], [16, 48, 4]] as const) {
        for (const dimOrder of ['C', 'F'] as const) {
          const bytes = encodePzf(data, { shape, compression, dimOrder, frameNum: 9 })
          const r = decodePzf(bytes)
          const name = `${data.constructor.name} ${compression} ${shape.join('x')} ${dimOrder}`
          t.ok(sameBytes(r.data, data), name)
          t.same(r.shape, shape.length === 2 ? [...shape, 1] : shape)
          t.equal(r.dimOrder, dimOrder)
          t.equal(r.header.frameNum, 9)
        }
      }
    }
  }
})

t.test('header fields', async (t) => {
  const h = readPzfHeader(encodePzf(camera, {
    shape: [64, 48], sequenceId: -(2n ** 63n), timestamp: 2n ** 64n - 1n, frameNum: 2 ** 32 - 1
  }))
  t.equal(h.sequenceId, -(2n ** 63n))
  t.equal(h.timestamp, 2n ** 64n - 1n)
  t.equal(h.frameNum, 2 ** 32 - 1)
  t.equal(h.quantization, null)
  t.equal(h.version, 3)
  t.equal(h.dataOffset, 64)
  const n = readPzfHeader(encodePzf(camera, { shape: [64, 48], sequenceId: 12345, timestamp: 1.7e9 + 0.9 }))
  t.equal(n.sequenceId, 12345n, 'plain numbers accepted')
  t.equal(n.timestamp, 1700000000n, 'a fractional timestamp is truncated, as PYME does')
  const q = readPzfHeader(encodePzf(camera, { shape: [64, 48], quantization: { offset: 99.5, scale: 1.3 } }))
  t.same(q.quantization, { offset: 99.5, scale: Math.fround(1.3) }, 'float32 values, as stored')
})

t.test('quantised round trip within the noise', async (t) => {
  const bytes = encodePzf(camera, { shape: [64, 48], dimOrder: 'F', quantization: { offset: 100, scale: 1 } })
  const back = decodePzf(bytes).data as Uint16Array
  for (let i = 0; i < camera.length; i++) {
    const d = camera[i] as number
    const bound = d < 100 ? 100 - d : Math.sqrt(d - 100) + 1.25
    if (Math.abs(d - (back[i] as number)) > bound) t.fail(`pixel ${i}: ${d} -> ${back[i]}`)
  }
  t.pass('every pixel within sqrt(signal) + 1.25')
  t.ok(bytes.length < camera.byteLength / 3, 'and compact')
})

t.test('encodePzfInto and maxPzfLength', async (t) => {
  const variants: PzfEncodeOptions[] = [
    { shape: [64, 48] },
    { shape: [64, 48], compression: 'raw' },
    { shape: [64, 48], quantization: { offset: 100, scale: 2 } },
    { shape: [64, 48], compression: 'huffman-chunks', chunks: 4 }
  ]
  for (const o of variants) {
    const expected = encodePzf(camera, o)
    const bound = maxPzfLength(camera, o)
    t.ok(bound >= expected.length, `${o.compression ?? 'huffman'}: bound ${bound} >= ${expected.length}`)
    const target = new Uint8Array(bound + 10).fill(0xee)
    const n = encodePzfInto(camera, o, target)
    t.equal(n, expected.length)
    t.ok(sameBytes(target.subarray(0, n), expected))
    t.equal(target[n], 0xee, 'nothing written past the end')
    t.throws(() => encodePzfInto(camera, o, new Uint8Array(expected.length - 1)), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /needs/ })
  }
  t.equal(maxPzfLength(camera, { shape: [64, 48], compression: 'raw' }), 64 + camera.byteLength, 'raw: exact')
  // A target that is a view at an odd offset of shared memory.
  const shared = new Uint8Array(new SharedArrayBuffer(maxPzfLength(camera, { shape: [64, 48] }) + 3)).subarray(3)
  const n = encodePzfInto(camera, { shape: [64, 48] }, shared)
  t.ok(sameBytes(decodePzf(shared.subarray(0, n)).data, camera), 'odd-offset SharedArrayBuffer target')
  // Uniform random bytes: Huffman cannot beat 8 bits per byte, the bound still holds.
  const noise = new Uint8Array(5000).map((_, i) => (Math.imul(i, 2654435761) >>> 13) & 0xff)
  t.ok(encodePzf(noise, { shape: [50, 100] }).length <= maxPzfLength(noise, { shape: [50, 100] }))
  t.throws(() => encodePzfInto(camera, { shape: [64, 48] }, [] as never), InvalidArgumentError)
})

t.test('bad arguments are refused with InvalidArgumentError naming the option', async (t) => {
  const bad: Array<[unknown, unknown, RegExp]> = [
    [new Int16Array(4), { shape: [2, 2] }, /data/],
    [[1, 2, 3, 4], { shape: [2, 2] }, /data/],
    [camera, null, /options/],
    [camera, { shape: [64] }, /shape/],
    [camera, { shape: [64, 48, 1, 1] }, /shape/],
    [camera, { shape: [64, -48] }, /shape/],
    [camera, { shape: [64, 47] }, /does not match/],
    [camera, { shape: 'x' }, /shape/],
    [camera, { shape: [64, 48], dimOrder: 'X' }, /dimOrder/],
    [camera, { shape: [64, 48], compression: 'zip' }, /compression/],
    [camera, { shape: [64, 48], chunks: 2 }, /chunks: only used/],
    [camera, { shape: [64, 48], compression: 'huffman-chunks', chunks: 0 }, /chunks/],
    [camera, { shape: [64, 48], compression: 'huffman-chunks', chunks: 65536 }, /chunks/],
    [camera, { shape: [64, 48], quantization: 5 }, /quantization/],
    [new Uint8Array(4), { shape: [2, 2], quantization: { offset: 0, scale: 1 } }, /needs uint16/],
    [new Float32Array(4), { shape: [2, 2], quantization: { offset: 0, scale: 1 } }, /needs uint16/],
    [camera, { shape: [64, 48], compression: 'raw', quantization: { offset: 0, scale: 1 } }, /needs Huffman/],
    [camera, { shape: [64, 48], quantization: { offset: -1, scale: 1 } }, /offset/],
    [camera, { shape: [64, 48], quantization: { offset: Number.NaN, scale: 1 } }, /offset/],
    [camera, { shape: [64, 48], quantization: { offset: 0, scale: 0 } }, /scale/],
    [camera, { shape: [64, 48], quantization: { offset: 0, scale: 101 } }, /scale/],
    [camera, { shape: [64, 48], quantization: { offset: 0, scale: 1, pymeExact: 1 } }, /pymeExact/],
    [camera, { shape: [64, 48], sequenceId: 2 ** 60 }, /sequenceId.*safe integer/],
    [camera, { shape: [64, 48], sequenceId: 2n ** 63n }, /sequenceId.*range/],
    [camera, { shape: [64, 48], sequenceId: '1' }, /sequenceId/],
    [camera, { shape: [64, 48], timestamp: -1 }, /timestamp/],
    [camera, { shape: [64, 48], timestamp: Number.POSITIVE_INFINITY }, /timestamp/],
    [camera, { shape: [64, 48], frameNum: -1 }, /frameNum/],
    [camera, { shape: [64, 48], frameNum: 2 ** 32 }, /frameNum/]
  ]
  for (const [data, options, message] of bad) {
    t.throws(() => encodePzf(data as PzfPixels, options as PzfEncodeOptions), { code: 'PYME_ERR_INVALID_ARGUMENT', message }, String(message))
  }
})

t.test('input is never modified; views at any offset work', async (t) => {
  const copy = camera.slice()
  encodePzf(camera, { shape: [64, 48], quantization: { offset: 100, scale: 1 } })
  t.ok(sameBytes(camera, copy))
  const big = new Uint8Array(1 + 300 * 250)
  big.set(new Uint8Array(300 * 250).map((_, i) => (i % 17) * 3), 1)
  const view = big.subarray(1)
  t.ok(sameBytes(decodePzf(encodePzf(view, { shape: [300, 250] })).data, view), 'odd byteOffset Uint8Array view')
})

t.test('quantised levels with codes longer than the word table (26 bits)', async (t) => {
  // Level k (pixel k^2 at offset 0, scale 1) occurs fib(k+1) times: the rarest levels get 27-bit codes.
  const counts = [1, 1]
  while (counts.length < 28) counts.push((counts.at(-1) as number) + (counts.at(-2) as number))
  const total = counts.reduce((a, b) => a + b, 0)
  const data = new Uint16Array(total)
  let at = 0
  for (const [k, c] of counts.entries()) data.fill(k * k, at, at += c)
  // Interleave rare and common pixels (a fixed stride permutation of the sorted runs).
  const mixed = new Uint16Array(total)
  for (let i = 0; i < total; i++) mixed[i] = data[(i * 7919) % total] as number
  const bytes = encodePzf(mixed, { shape: [total, 1], quantization: { offset: 0, scale: 1 } })
  t.ok(sameBytes(decodePzf(bytes).data, mixed), 'k^2 round-trips exactly')
})
