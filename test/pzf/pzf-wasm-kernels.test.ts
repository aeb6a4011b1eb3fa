// The kernels' memory (lib/pzf/pzf-wasm-kernels.ts): fixed tables first, dynamic regions
// grown x2 and kept, a cap past which the caller takes the TypeScript path, views re-made
// after growth; and steady-state encoding into a caller's buffer allocating nothing.
import t from 'tap'
import { encodePzfInto, initPzfWasm, maxPzfLength } from '../../lib/pzf/index.js'
import { pzfWasmKernels } from '../../lib/pzf/pzf-wasm.js'
import { PzfWasmKernels } from '../../lib/pzf/pzf-wasm-kernels.js'
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'

t.before(async () => { await initPzfWasm() })

t.test('growth: x2, kept, capped; views follow the memory', async (t) => {
  const k = pzfWasmKernels(undefined) as PzfWasmKernels
  t.ok(k.dynamic >= k.counts && k.dynamic % 65536 === 0, 'dynamic regions after the fixed tables, on a page')
  const before = k.u8.buffer.byteLength
  t.ok(k.ensure(0), 'nothing needed')
  t.equal(k.u8.buffer.byteLength, before, 'no growth')
  const need = before - k.dynamic + 1
  t.ok(k.ensure(need))
  const grown = k.u8.buffer.byteLength
  t.ok(grown >= 2 * before || grown >= k.dynamic + need, `grew to ${grown} (from ${before})`)
  t.equal(k.u8.buffer, k.u32.buffer, 'every view on the new memory')
  t.equal(k.f64.buffer, k.i16.buffer)
  t.ok(k.ensure(need), 'kept: asking again grows nothing')
  t.equal(k.u8.buffer.byteLength, grown)
  const saved = k.maxMemory
  k.maxMemory = grown
  t.notOk(k.ensure(grown), 'over the cap: refused')
  k.maxMemory = saved
  t.equal(PzfWasmKernels.regionSize(0), 64, 'regions carry slack')
  t.equal(PzfWasmKernels.regionSize(100) % 64, 0, 'and are 64-byte aligned')
})

t.test('steady state: encoding into a caller\'s buffer allocates nothing frame-sized', async (t) => {
  const frame = makeCameraFrame(1024, 1024, { seed: 3 })
  const options = { shape: [1024, 1024] as [number, number], dimOrder: 'F' as const }
  const target = new Uint8Array(maxPzfLength(frame, options))
  for (let i = 0; i < 5; i++) encodePzfInto(frame, options, target) // warm: kernel memory grown, code compiled
  const k = pzfWasmKernels(undefined) as PzfWasmKernels
  const memory = k.u8.buffer.byteLength
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const heap0 = process.memoryUsage()
  for (let i = 0; i < 20; i++) encodePzfInto(frame, options, target)
  const heap1 = process.memoryUsage()
  t.equal(k.u8.buffer.byteLength, memory, 'kernel memory did not grow')
  // 20 frames of 2 MB: a frame-sized allocation per frame would add 40 MB of array buffers.
  t.ok(heap1.arrayBuffers - heap0.arrayBuffers < 64 * 1024 * 20, `array buffers grew ${heap1.arrayBuffers - heap0.arrayBuffers} bytes`)
})
