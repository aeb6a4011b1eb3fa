// Differential test of the two PZF codecs: the WebAssembly kernels against the TypeScript
// reference, on every PYME vector (test/fixtures/pzf, read through the helper vectors.test.ts
// uses) and on fuzzed frames and fuzzed files. Encoding must give identical bytes; decoding identical pixels
// and headers, or the same error (class, code and message) on malformed input.
import t, { type Test } from 'tap'
import {
  decodePzf, decodePzfInto, encodePzf, encodePzfInto, initPzfWasm, maxPzfLength,
  type PzfEncodeOptions, type PzfPixels
} from '../../lib/pzf/index.js'
import { pzfWasmKernels } from '../../lib/pzf/pzf-wasm.js'
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'
import { sameBytes } from './same-bytes.js'
import { readVectorInput, readVectorPzf, vectorCases } from '../helpers/pzf-vectors.js'
import { xorshift as rng } from '../helpers/xorshift.js'

const cases = vectorCases()

/** Decodes with `impl`: the frame, or the error it threw. */
function outcome (bytes: Uint8Array, impl: 'wasm' | 'js'): { data: PzfPixels, header: unknown } | Error {
  try {
    const r = decodePzf(bytes, { impl })
    return { data: r.data, header: r.header }
  } catch (err) {
    return err as Error
  }
}

/** Both decoders agree on `bytes`: same pixels and header, or the same error. */
function sameDecode (t: Test, bytes: Uint8Array, name: string): void {
  const js = outcome(bytes, 'js')
  const wasm = outcome(bytes, 'wasm')
  if (js instanceof Error || wasm instanceof Error) {
    t.ok(js instanceof Error && wasm instanceof Error && js.constructor === wasm.constructor &&
      (js as { code?: string }).code === (wasm as { code?: string }).code && js.message === wasm.message,
    `${name}: same error (${String(js instanceof Error ? js.message : 'none')} / ${String(wasm instanceof Error ? wasm.message : 'none')})`)
    return
  }
  t.ok(sameBytes(js.data, wasm.data), `${name}: same pixels`)
  t.same(js.header, wasm.header, `${name}: same header`)
}

/** Both encoders give the same bytes for `data` and `options`. */
function sameEncode (t: Test, data: PzfPixels, options: PzfEncodeOptions, name: string): Uint8Array {
  const js = encodePzf(data, { ...options, impl: 'js' })
  const wasm = encodePzf(data, { ...options, impl: 'wasm' })
  t.ok(Buffer.from(js).equals(Buffer.from(wasm)), `${name}: identical bytes`)
  return js
}

t.before(async () => {
  t.equal(await initPzfWasm(), true, 'the kernels compile here')
  t.not(pzfWasmKernels(undefined), null, 'and are used by default')
})

t.test('every vector: both decoders agree, encoders reproduce it', async (t) => {
  for (const c of cases) {
    const bytes = readVectorPzf(c.name)
    sameDecode(t, bytes, c.name)
    if (c.expect !== 'ok') continue
    const decoded = decodePzf(bytes, { impl: 'js' })
    const shape = [decoded.shape[0], decoded.shape[1], decoded.shape[2]] as [number, number, number]
    const base = { shape, dimOrder: decoded.dimOrder }
    for (const compression of ['raw', 'huffman', 'huffman-chunks'] as const) {
      sameEncode(t, decoded.data, { ...base, compression }, `${c.name} re-encoded ${compression}`)
    }
    sameEncode(t, decoded.data, { ...base, compression: 'huffman-chunks', chunks: 5 }, `${c.name} in 5 chunks`)
    if (decoded.dtype === 'uint16') {
      for (const pymeExact of [false, true]) {
        const quantization = { offset: 100, scale: 1, pymeExact }
        sameEncode(t, decoded.data, { ...base, quantization }, `${c.name} quantised${pymeExact ? ' (PYME wrap)' : ''}`)
        sameEncode(t, decoded.data, { ...base, quantization, compression: 'huffman-chunks', chunks: 3 },
          `${c.name} quantised in chunks`)
      }
    }
  }
})

t.test('the long-code vector (codes of 26+ bits, PYME writes them wrong)', async (t) => {
  const input = readVectorInput('bug_huffman_longcode')
  const ours = sameEncode(t, input, { shape: [4, input.length / 4] }, 'long codes')
  t.ok(sameBytes(decodePzf(ours, { impl: 'wasm' }).data, input), 'round trip')
})

t.test('fuzzed frames: sizes around the word-kernel threshold, skewed and flat statistics', async (t) => {
  const r = rng(0x5eed)
  const sizes = [1, 2, 3, 7, 255, 4096, 16383, 16384, 16385, 32767, 32768, 32769, 65537, 300001]
  for (let round = 0; round < sizes.length * 3; round++) {
    const n = sizes[round % sizes.length] as number
    const kind = Math.floor(round / sizes.length)
    const data = new Uint16Array(n)
    for (let i = 0; i < n; i++) {
      // 0: camera-like, 1: one rare value among frequent ones (long codes), 2: full 16-bit range.
      const u = r()
      data[i] = kind === 0 ? 100 + Math.floor(u * u * 900) : kind === 1 ? (u < 1e-4 ? 60000 + (i & 255) : i & 3) : Math.floor(u * 65536)
    }
    const name = `n=${n} kind=${kind}`
    sameEncode(t, data, { shape: [n, 1] }, name)
    sameEncode(t, data, { shape: [n, 1], quantization: { offset: 100, scale: 1.7 } }, `${name} quantised`)
    sameEncode(t, data, { shape: [n, 1], compression: 'huffman-chunks', chunks: 4 }, `${name} chunks`)
    // Odd byte lengths and odd offsets of the input bytes.
    const bytes = new Uint8Array(data.buffer, 1, 2 * n - 1)
    sameEncode(t, bytes, { shape: [bytes.length, 1] }, `${name} odd bytes`)
  }
})

t.test('a camera frame of 2048 x 2048 and a float32 frame', async (t) => {
  const frame = makeCameraFrame(2048, 2048, { seed: 11 })
  const enc = sameEncode(t, frame, { shape: [2048, 2048], dimOrder: 'F' }, 'camera lossless')
  sameDecode(t, enc, 'camera lossless')
  const q = sameEncode(t, frame, { shape: [2048, 2048], dimOrder: 'F', quantization: { offset: 100, scale: 1 } }, 'camera quantised')
  sameDecode(t, q, 'camera quantised')
  const f32 = new Float32Array(70000).map((_, i) => Math.sin(i / 7) * 1e4)
  sameDecode(t, sameEncode(t, f32, { shape: [700, 100] }, 'float32'), 'float32')
})

t.test('fuzzed files: both decoders agree on every mutation', async (t) => {
  const camera = makeCameraFrame(96, 80, { seed: 2 })
  const seeds = [
    readVectorPzf('u2_13x7_huff'), readVectorPzf('c_u2_7x13_chunks_F'), readVectorPzf('q_camera_7x13_F_o100_s1'),
    readVectorPzf('u2_camera_128x128_huff'), readVectorPzf('f4_7x13_huff'),
    encodePzf(camera, { shape: [96, 80], impl: 'js' }),
    encodePzf(camera, { shape: [96, 80], quantization: { offset: 100, scale: 1 }, impl: 'js' }),
    encodePzf(camera, { shape: [96, 80], compression: 'huffman-chunks', chunks: 3, impl: 'js' })
  ]
  const r = rng(77)
  const pick = (n: number): number => Math.floor(r() * n)
  let disagreements = 0
  for (let i = 0; i < 1500; i++) {
    const src = seeds[i % seeds.length] as Uint8Array
    let b = src.slice()
    const op = pick(4)
    if (op === 0) {
      const at = 64 + pick(b.length - 64) // a bit of the data section
      b[at] = (b[at] as number) ^ (1 << pick(8))
    } else if (op === 1) b = b.subarray(0, 64 + pick(b.length - 64)) // truncated
    else if (op === 2) b[pick(b.length)] = pick(256) // any byte
    else b.fill(pick(256), 64 + pick(b.length - 64)) // a run to the end
    const js = outcome(b, 'js')
    const wasm = outcome(b, 'wasm')
    const same = js instanceof Error || wasm instanceof Error
      ? js instanceof Error && wasm instanceof Error && js.message === wasm.message && js.constructor === wasm.constructor
      : sameBytes(js.data, wasm.data)
    if (!same) {
      disagreements++
      sameDecode(t, b, `mutation ${i}`) // reports the difference
    }
  }
  t.equal(disagreements, 0, '1500 mutations, no disagreement')
})

t.test('into caller buffers: reused, every mode', async (t) => {
  const frame = makeCameraFrame(300, 200, { seed: 4 })
  const modes: PzfEncodeOptions[] = [
    { shape: [300, 200], compression: 'raw' },
    { shape: [300, 200] },
    { shape: [300, 200], compression: 'huffman-chunks', chunks: 3 },
    { shape: [300, 200], quantization: { offset: 100, scale: 1 } },
    { shape: [300, 200], quantization: { offset: 100, scale: 1 }, compression: 'huffman-chunks' }
  ]
  const target = new Uint8Array(maxPzfLength(frame, { shape: [300, 200] }) + 100)
  const pixels = new Uint16Array(300 * 200)
  for (const options of modes) {
    for (const impl of ['wasm', 'js'] as const) {
      const n = encodePzfInto(frame, { ...options, impl }, target)
      t.ok(Buffer.from(target.subarray(0, n)).equals(Buffer.from(encodePzf(frame, { ...options, impl: 'js' }))), `${JSON.stringify(options)} ${impl}: into`)
      const r = decodePzfInto(target.subarray(0, n), pixels, { impl })
      t.equal(r.data.buffer, pixels.buffer, 'decoded into the target')
      t.same(r.data.length, frame.length)
    }
  }
})

t.test('frames over the kernels\' memory cap take the TypeScript path, same bytes', async (t) => {
  const kernels = pzfWasmKernels(undefined)
  if (kernels === null) throw new Error('kernels expected')
  const saved = kernels.maxMemory
  const frame = makeCameraFrame(512, 512, { seed: 8 })
  const reference = encodePzf(frame, { shape: [512, 512], impl: 'js' })
  kernels.maxMemory = kernels.dynamic + 1024
  t.teardown(() => { kernels.maxMemory = saved })
  const capped = encodePzf(frame, { shape: [512, 512] })
  t.ok(Buffer.from(capped).equals(Buffer.from(reference)), 'encode falls back')
  t.ok(sameBytes(decodePzf(capped).data, frame), 'decode falls back')
  const q = encodePzf(frame, { shape: [512, 512], quantization: { offset: 100, scale: 1 } })
  t.ok(Buffer.from(q).equals(Buffer.from(encodePzf(frame, { shape: [512, 512], quantization: { offset: 100, scale: 1 }, impl: 'js' }))),
    'quantised encode falls back')
})
