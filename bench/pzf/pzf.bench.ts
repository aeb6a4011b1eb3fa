// PZF codec benchmark (`npm run bench:pzf`): 2048x2048 uint16 camera frames, lossless and
// sqrt-quantised (offset 100, scale 1), on one core with both codecs (the WebAssembly
// kernels and the TypeScript reference), next to Node's zlib Huffman-only deflate /
// inflate on the same frames in the same run, and through the encoder pool.
//
// Two frame sets: simulated frames (lib/internal/camera-simulator.ts) and the real-camera
// fixture (u2_camera_2048x2048_huff.pzf, PYME's own file; looked for in test/fixtures/pzf,
// or give --fixture PATH). Prints MB/s of uncompressed pixels, best and median of the
// runs, CPU ms per frame (median), and the ratio to zlib: each codec pass alternates with
// a zlib pass on the same frames, and the ratio is the median of the per-pass ratios, so
// both see the same machine load (printed before and after). A benchmark, never a test.
//
// "into" rows encode and decode into reused buffers (the steady state of a pipeline that
// pools its buffers); "fresh" rows allocate the output per frame, as encodePzf/decodePzf
// do (on this VM, touching fresh pages costs several ms per 8 MB).
//
// Options: --frames N (ring of distinct simulated frames, default 4), --runs N (timed
// passes, default 9), --pool-frames N (frames per pool pass, default 32), --fixture PATH,
// --no-pool, --no-js (skip the TypeScript rows).
import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import zlib from 'node:zlib'
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'
import {
  PzfEncoderPool, decodePzf, decodePzfInto, encodePzf, encodePzfInto, initPzfWasm, maxPzfLength,
  type PzfEncodeOptions, type PzfImpl
} from '../../lib/pzf/index.js'

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '4' },
    runs: { type: 'string', default: '9' },
    'pool-frames': { type: 'string', default: '32' },
    fixture: { type: 'string' },
    'no-pool': { type: 'boolean', default: false },
    'no-js': { type: 'boolean', default: false }
  }
})
const runs = Number(values.runs)
const poolFrames = Number(values['pool-frames'])
const width = 2048
const height = 2048
const frameMB = (width * height * 2) / 1e6
const wasmReady = await initPzfWasm()

interface Result { readonly best: number, readonly median: number }
interface Row { readonly name: string, readonly r: Result, readonly z: Result, readonly ratio: number, readonly cpuMs: number }

function summary (values: number[]): Result {
  const v = [...values].sort((a, b) => a - b)
  return { best: v[v.length - 1] as number, median: v[v.length >> 1] as number }
}

function median (values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1] as number
}

/** MB/s of uncompressed pixels and CPU ms per frame of one pass of `fn` over `count` frames. */
function pass (count: number, fn: (i: number) => void): { rate: number, cpuMs: number } {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < count; i++) fn(i)
  const seconds = (performance.now() - t0) / 1e3
  const cpu = process.cpuUsage(c0)
  return { rate: (frameMB * count) / seconds, cpuMs: (cpu.user + cpu.system) / 1e3 / count }
}

/** Times `fn` and the zlib `baseline` in alternating passes, after a warm-up of both. */
function measure (name: string, count: number, fn: (i: number) => void, baseline: (i: number) => void): Row {
  pass(count, fn)
  pass(count, baseline)
  const rates: number[] = []
  const zrates: number[] = []
  const ratios: number[] = []
  const cpu: number[] = []
  for (let r = 0; r < runs; r++) {
    const a = pass(count, fn)
    const b = pass(count, baseline)
    rates.push(a.rate)
    zrates.push(b.rate)
    ratios.push(a.rate / b.rate)
    cpu.push(a.cpuMs)
  }
  return { name, r: summary(rates), z: summary(zrates), ratio: median(ratios), cpuMs: median(cpu) }
}

function fixtureFrame (): { frame: Uint16Array, source: string } | string {
  const path = values.fixture ?? new URL('../../test/fixtures/pzf/u2_camera_2048x2048_huff.pzf', import.meta.url).pathname
  if (!existsSync(path)) return `not found at ${path} (give --fixture PATH)`
  const decoded = decodePzf(new Uint8Array(readFileSync(path)), { impl: 'js' })
  if (decoded.dtype !== 'uint16' || decoded.shape[0] !== width || decoded.shape[1] !== height) return `${path} is not a ${width}x${height} uint16 frame`
  return { frame: decoded.data as Uint16Array, source: path }
}

const lossless: PzfEncodeOptions = { shape: [width, height], dimOrder: 'F' }
const quantised: PzfEncodeOptions = { ...lossless, quantization: { offset: 100, scale: 1 } }
const zopts = { strategy: zlib.constants.Z_HUFFMAN_ONLY }
const impls: PzfImpl[] = values['no-js'] === true ? ['wasm'] : ['wasm', 'js']

function benchSet (label: string, frames: Uint16Array[]): { rows: Row[], ratios: string } {
  const count = frames.length
  const target = new Uint8Array(maxPzfLength(frames[0] as Uint16Array, lossless))
  const pixels = new Uint16Array(width * height)
  const encodedL = frames.map((f) => encodePzf(f, lossless))
  const encodedQ = frames.map((f) => encodePzf(f, quantised))
  const deflated = frames.map((f) => zlib.deflateRawSync(new Uint8Array(f.buffer), zopts))
  const deflate = (i: number): void => { zlib.deflateRawSync(new Uint8Array((frames[i] as Uint16Array).buffer), zopts) }
  const inflate = (i: number): void => { zlib.inflateRawSync(deflated[i] as Buffer) }
  const ratio = (sizes: Array<{ length: number }>): string => ((frameMB * 1e6 * sizes.length) / sizes.reduce((s, b) => s + b.length, 0)).toFixed(2)
  const rows: Row[] = []
  for (const impl of impls) {
    const l = { ...lossless, impl }
    const q = { ...quantised, impl }
    rows.push(measure(`${label} ${impl} encode into`, count, (i) => { encodePzfInto(frames[i] as Uint16Array, l, target) }, deflate))
    rows.push(measure(`${label} ${impl} decode into`, count, (i) => { decodePzfInto(encodedL[i] as Uint8Array, pixels, { impl }) }, inflate))
    rows.push(measure(`${label} ${impl} sqrt encode into`, count, (i) => { encodePzfInto(frames[i] as Uint16Array, q, target) }, deflate))
    rows.push(measure(`${label} ${impl} sqrt decode into`, count, (i) => { decodePzfInto(encodedQ[i] as Uint8Array, pixels, { impl }) }, inflate))
    if (impl === 'wasm') {
      rows.push(measure(`${label} ${impl} encode fresh`, count, (i) => { encodePzf(frames[i] as Uint16Array, l) }, deflate))
      rows.push(measure(`${label} ${impl} decode fresh`, count, (i) => { decodePzf(encodedL[i] as Uint8Array, { impl }) }, inflate))
    }
  }
  return { rows, ratios: `compression ratio: lossless ${ratio(encodedL)}, sqrt ${ratio(encodedQ)}, zlib Huffman-only ${ratio(deflated)}` }
}

async function measurePool (pool: PzfEncoderPool, frames: Uint16Array[], options: PzfEncodeOptions): Promise<Result> {
  const poolPass = async (): Promise<number> => {
    const t0 = performance.now()
    const pending: Array<Promise<Uint8Array>> = []
    for (let i = 0; i < poolFrames; i++) {
      await pool.ready()
      pending.push(pool.encode(frames[i % frames.length] as Uint16Array, { ...options, frameNum: i }))
    }
    await Promise.all(pending)
    return (frameMB * poolFrames) / ((performance.now() - t0) / 1e3)
  }
  await poolPass()
  const rates: number[] = []
  for (let r = 0; r < Math.max(3, runs >> 1); r++) rates.push(await poolPass())
  return summary(rates)
}

const loadBefore = loadavg()
const simulated = Array.from({ length: Number(values.frames) }, (_, frame) => makeCameraFrame(width, height, { seed: 1, frame }))
const sets: Array<{ title: string, rows: Row[], ratios: string }> = []
sets.push({ title: `simulated camera frames (ring of ${simulated.length})`, ...benchSet('sim', simulated) })
const fixture = fixtureFrame()
if (typeof fixture === 'string') {
  sets.push({ title: `fixture frame: ${fixture}`, rows: [], ratios: '' })
} else {
  sets.push({ title: `fixture frame (real camera, PYME's file ${fixture.source.replace(/.*\//, '')})`, ...benchSet('fixture', [fixture.frame]) })
}

const poolRows: Array<[string, Result]> = []
if (values['no-pool'] !== true) {
  for (const size of [...new Set([Math.max(1, availableParallelism() - 1), availableParallelism()])]) {
    const pool = new PzfEncoderPool({ size })
    poolRows.push([`pool (${size}) Huffman encode`, await measurePool(pool, simulated, lossless)])
    poolRows.push([`pool (${size}) sqrt+Huffman encode`, await measurePool(pool, simulated, quantised)])
    await pool.close()
  }
}

const f = (v: number): string => v.toFixed(0).padStart(5)
const out: string[] = [
  `PZF benchmark: ${width}x${height} uint16 frames (${frameMB.toFixed(2)} MB), ${runs} runs; WebAssembly kernels ${wasmReady ? 'ready' : 'UNAVAILABLE (wasm rows ran the TypeScript codec)'}`,
  `node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x ${availableParallelism()}, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  '',
  'one core; each codec pass alternates with a zlib pass on the same frames (Huffman-only deflate for encode rows, inflate for decode rows)',
  '                                   codec MB/s      zlib MB/s     codec/zlib  CPU ms',
  '                                   best  median    best  median  median      /frame'
]
for (const set of sets) {
  out.push('', set.title)
  for (const m of set.rows) {
    out.push(`${m.name.padEnd(33)}  ${f(m.r.best)} ${f(m.r.median)}   ${f(m.z.best)} ${f(m.z.median)}   ${m.ratio.toFixed(2).padStart(6)}x  ${m.cpuMs.toFixed(1).padStart(6)}`)
  }
  if (set.ratios !== '') out.push(set.ratios)
}
if (poolRows.length > 0) {
  out.push('', 'worker pool (encodePzf on worker threads, frames concurrently)   best MB/s  median MB/s')
  out.push(...poolRows.map(([name, r]) => `${name.padEnd(62)}  ${f(r.best)}      ${f(r.median)}`))
}
out.push('', `load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
process.stdout.write(out.join('\n') + '\n')
