// Bounded fuzz of decodePzf: a few thousand mutations (bit flips, byte overwrites,
// truncation, extension, header field edits) of valid PZF files, deterministic seed.
// Every outcome must be a decoded frame of the header's size or a PzfFormatError
// (PzfLimitError included): never another exception, a hang or a crash.
import t from 'tap'
import { decodePzf, encodePzf } from '../../lib/pzf/index.js'
import { PzfFormatError } from '../../lib/errors.js'
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'
import { readVectorPzf } from '../helpers/pzf-vectors.js'
import { xorshift as rng } from '../helpers/xorshift.js'

const camera = makeCameraFrame(48, 40, { seed: 5 })

const seeds: Array<[string, Uint8Array]> = [
  ['u1_7x13_huff_F', readVectorPzf('u1_7x13_huff_F')],
  ['u2_13x7_huff', readVectorPzf('u2_13x7_huff')],
  ['h_v2_header_u2_huff', readVectorPzf('h_v2_header_u2_huff')],
  ['c_u2_7x13_chunks_F', readVectorPzf('c_u2_7x13_chunks_F')],
  ['q_camera_7x13_F_o100_s1', readVectorPzf('q_camera_7x13_F_o100_s1')],
  ['camera huffman', encodePzf(camera, { shape: [48, 40], dimOrder: 'F' })],
  ['camera quantised', encodePzf(camera, { shape: [48, 40], quantization: { offset: 100, scale: 1 } })],
  ['camera raw', encodePzf(camera, { shape: [24, 40, 2], compression: 'raw' })],
  ['float32 chunks', encodePzf(new Float32Array(300).map(Math.sqrt), { shape: [20, 15], compression: 'huffman-chunks', chunks: 3 })]
].map(([name, bytes]) => [name as string, new Uint8Array(bytes as Uint8Array)])

function mutate (src: Uint8Array, r: () => number): Uint8Array {
  const pick = (n: number): number => Math.floor(r() * n)
  let b = src.slice()
  const edits = 1 + pick(4)
  for (let e = 0; e < edits; e++) {
    // Half of the edits hit the header, where the interesting fields are.
    const at = r() < 0.5 ? pick(Math.min(64, b.length)) : pick(b.length)
    switch (pick(6)) {
      case 0: b[at] = (b[at] as number) ^ (1 << pick(8)); break
      case 1: b[at] = pick(256); break
      case 2: b = b.slice(0, pick(b.length + 1)); break
      case 3: { const ext = new Uint8Array(b.length + 1 + pick(64)); ext.set(b); ext.fill(pick(256), b.length); b = ext; break }
      case 4: if (b.length >= 32) new DataView(b.buffer).setUint32(20 + 4 * pick(3), [0, 1, 7, 0xffff, 0xffffffff, pick(1e6)][pick(6)] as number, true); break
      default: if (b.length > 68) b.fill(r() < 0.5 ? 0 : 0xff, 64 + pick(b.length - 64), b.length); break
    }
    if (b.length === 0) break
  }
  return b
}

t.test('mutated PZF files decode or fail with PzfFormatError', async (t) => {
  const r = rng(0x5eed1234)
  const iterations = 6000
  const outcomes = { decoded: 0, refused: 0, limited: 0 }
  const started = performance.now()
  for (let i = 0; i < iterations; i++) {
    const [name, seed] = seeds[i % seeds.length] as [string, Uint8Array]
    const input = mutate(seed, r)
    try {
      const d = decodePzf(input, { maxPixels: 1 << 22, maxBytes: 1 << 24 })
      const [w, h, z] = d.shape
      if (d.data.length !== w * h * z) t.fail(`${name} #${i}: ${d.data.length} pixels for ${w}x${h}x${z}`)
      outcomes.decoded++
    } catch (err) {
      if (!(err instanceof PzfFormatError)) {
        t.fail(`${name} #${i}: ${String(err)} (${Buffer.from(input.subarray(0, 80)).toString('hex')})`)
        continue
      }
      if (err.code === 'PYME_ERR_PZF_LIMIT') outcomes.limited++
      else outcomes.refused++
    }
  }
  t.equal(outcomes.decoded + outcomes.refused + outcomes.limited, iterations, `outcomes: ${JSON.stringify(outcomes)}`)
  t.ok(outcomes.decoded > 100 && outcomes.refused > 100, 'both paths exercised')
  t.comment(`${iterations} mutations in ${Math.round(performance.now() - started)} ms`)
})
