// PZF codec benchmark (`npm run bench:pzf`): a simulated 2048x2048 uint16 camera frame,
// lossless and sqrt-quantised (offset 100, scale 1), on one core and through the
// encoder pool, next to Node's zlib Huffman-only deflate/inflate on the same frame in
// the same run. Prints MB/s of uncompressed pixels (best and median of the runs) and
// the ratio to zlib. A benchmark, never a test: the numbers depend on the machine and
// its load, which it prints.
//
// Options: --frames N (ring of distinct frames, default 4), --runs N (timed passes,
// default 7), --pool-frames N (frames per pool pass, default 32), --size WxH.
import { availableParallelism, cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import zlib from 'node:zlib'
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'
import { PzfEncoderPool, decodePzf, encodePzf, type PzfEncodeOptions } from '../../lib/pzf/index.js'

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '4' },
    runs: { type: 'string', default: '7' },
    'pool-frames': { type: 'string', default: '32' },
    size: { type: 'string', default: '2048x2048' }
  }
})
const [width, height] = (values.size as string).split('x').map(Number) as [number, number]
const ringSize = Number(values.frames)
const runs = Number(values.runs)
const poolFrames = Number(values['pool-frames'])
const frames = Array.from({ length: ringSize }, (_, frame) => makeCameraFrame(width, height, { seed: 1, frame }))
const frameMB = (width * height * 2) / 1e6

interface Result { readonly best: number, readonly median: number }

function summary (rates: number[]): Result {
  rates.sort((a, b) => a - b)
  return { best: rates[rates.length - 1] as number, median: rates[rates.length >> 1] as number }
}

/** MB/s of uncompressed pixels of one pass of `fn` over the ring. */
function pass (fn: (i: number) => void): number {
  const t0 = performance.now()
  for (let i = 0; i < ringSize; i++) fn(i)
  return (frameMB * ringSize) / ((performance.now() - t0) / 1e3)
}

/**
 * Times `fn` and the zlib `baseline` in alternating passes (after a warm-up), so both see
 * the same machine load; the ratio is the median of the per-pass ratios.
 */
function measure (fn: (i: number) => void, baseline: (i: number) => void): { r: Result, z: Result, ratio: number } {
  pass(fn)
  pass(baseline)
  const rates: number[] = []
  const zrates: number[] = []
  const ratios: number[] = []
  for (let r = 0; r < runs; r++) {
    const a = pass(fn)
    const b = pass(baseline)
    rates.push(a)
    zrates.push(b)
    ratios.push(a / b)
  }
  return { r: summary(rates), z: summary(zrates), ratio: summary(ratios).median }
}

async function measurePool (pool: PzfEncoderPool, options: PzfEncodeOptions): Promise<Result> {
  const poolPass = async (): Promise<number> => {
    const t0 = performance.now()
    const pending: Array<Promise<Uint8Array>> = []
    for (let i = 0; i < poolFrames; i++) {
      await pool.ready()
      pending.push(pool.encode(frames[i % ringSize] as Uint16Array, { ...options, frameNum: i }))
    }
    await Promise.all(pending)
    return (frameMB * poolFrames) / ((performance.now() - t0) / 1e3)
  }
  await poolPass()
  const rates: number[] = []
  for (let r = 0; r < Math.max(3, runs >> 1); r++) rates.push(await poolPass())
  return summary(rates)
}

const lossless: PzfEncodeOptions = { shape: [width, height], dimOrder: 'F' }
const quantised: PzfEncodeOptions = { ...lossless, quantization: { offset: 100, scale: 1 } }
const zopts = { strategy: zlib.constants.Z_HUFFMAN_ONLY }

const encodedL = frames.map((f) => encodePzf(f, lossless))
const encodedQ = frames.map((f) => encodePzf(f, quantised))
const deflated = frames.map((f) => zlib.deflateRawSync(new Uint8Array(f.buffer), zopts))
const ratio = (sizes: Array<{ length: number }>): number => (frameMB * 1e6 * sizes.length) / sizes.reduce((s, b) => s + b.length, 0)

const deflate = (i: number): void => { zlib.deflateRawSync(new Uint8Array((frames[i] as Uint16Array).buffer), zopts) }
const inflate = (i: number): void => { zlib.inflateRawSync(deflated[i] as Buffer) }
const rows: Array<[string, { r: Result, z: Result, ratio: number }, number]> = [
  ['PZF Huffman encode', measure((i) => { encodePzf(frames[i] as Uint16Array, lossless) }, deflate), ratio(encodedL)],
  ['PZF Huffman decode', measure((i) => { decodePzf(encodedL[i] as Uint8Array) }, inflate), ratio(encodedL)],
  ['PZF sqrt+Huffman encode', measure((i) => { encodePzf(frames[i] as Uint16Array, quantised) }, deflate), ratio(encodedQ)],
  ['PZF sqrt+Huffman decode', measure((i) => { decodePzf(encodedQ[i] as Uint8Array) }, inflate), ratio(encodedQ)]
]

const poolRows: Array<[string, Result]> = []
for (const size of [...new Set([Math.max(1, availableParallelism() - 1), availableParallelism()])]) {
  const pool = new PzfEncoderPool({ size })
  poolRows.push([`pool (${size}) Huffman encode`, await measurePool(pool, lossless)])
  poolRows.push([`pool (${size}) sqrt+Huffman encode`, await measurePool(pool, quantised)])
  await pool.close()
}

const f = (v: number): string => v.toFixed(0).padStart(5)
const out: string[] = [
  `PZF benchmark: ${width}x${height} uint16 simulated camera frames (${frameMB.toFixed(2)} MB), ring of ${ringSize}, ${runs} runs`,
  `node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x ${availableParallelism()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  '',
  'one core (each PZF pass alternates with a zlib pass on the same frames)',
  '                              PZF MB/s         zlib Huffman-only MB/s   PZF/zlib   ratio (zlib)',
  '                              best  median     best  median             median',
  ...rows.map(([name, m, q]) => `${name.padEnd(28)}  ${f(m.r.best)} ${f(m.r.median)}     ${f(m.z.best)} ${f(m.z.median)}           ${m.ratio.toFixed(2).padStart(5)}x    ${q.toFixed(2)} (${ratio(deflated).toFixed(2)})`),
  '',
  'worker pool (frames encoded concurrently)   best MB/s  median MB/s',
  ...poolRows.map(([name, r]) => `${name.padEnd(42)}  ${f(r.best)}      ${f(r.median)}`),
  '',
  `load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`
]
process.stdout.write(out.join('\n') + '\n')
