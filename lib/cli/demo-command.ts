/**
 * `pyme-cluster demo` (interim `npm start`): round-trips simulated camera frames through
 * the PZF codec, lossless and sqrt-quantised, in-process and on the encoder pool;
 * verifies bit-exactness (lossless), the quantiser's error bound and that the pool's
 * bytes equal the in-process bytes; prints sizes, compression ratios and MB/s.
 * Self-contained: the full acquisition demo replaces it.
 */
import { parseArgs } from 'node:util'
import { InvalidArgumentError, VerificationError } from '../errors.js'
import { makeCameraFrame } from '../internal/camera-simulator.js'
import { PzfEncoderPool, decodePzf, encodePzf, type PzfEncodeOptions } from '../pzf/index.js'
import type { CliIo, Command } from './command.js'
import { exitCodes } from './exit-codes.js'

const usage = `Usage: pyme-cluster demo [options]

Simulates camera frames and round-trips them through PZF (PYME's frame format):
lossless Huffman and sqrt-quantised Huffman (offset 100, scale 1), in this thread and
on the worker pool. Verifies the results and prints sizes, ratios and throughput.

Options:
  --width <n>     frame width in pixels (default 2048)
  --height <n>    frame height in pixels (default 2048)
  --frames <n>    frames per measurement (default 8)
  --workers <n>   encoder pool threads (default: cores - 1)
  --seed <n>      simulation seed (default 1)
  --json          print the results as JSON
  -h, --help      this text
`

/** One measured row of the table. */
interface DemoRow {
  readonly mode: 'lossless' | 'quantised'
  readonly path: 'in-process' | 'pool'
  readonly frameBytes: number
  readonly pzfBytes: number
  readonly ratio: number
  readonly encodeMBps: number
  readonly decodeMBps: number | null
  readonly verified: boolean
}

const QUANT = { offset: 100, scale: 1 } as const

function intOption (v: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`invalid --${name}: expected an integer ${min}..${max}`)
  return n
}

/**
 * Largest acceptable |pixel - decoded| for sqrt quantisation at `QUANT`: below the offset
 * every pixel becomes the offset; above it the level is within 1/2 step of sqrt(d - o) / s,
 * which is s*sqrt(d - o) + s^2/4 ADU, plus 1 for the truncating cast.
 */
function quantisationError (d: number, decoded: number): boolean {
  if (d < QUANT.offset) return decoded === QUANT.offset
  const bound = QUANT.scale * Math.sqrt(d - QUANT.offset) + QUANT.scale * QUANT.scale / 4 + 1
  return Math.abs(d - decoded) <= bound
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
}

async function runDemo (args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      width: { type: 'string' },
      height: { type: 'string' },
      frames: { type: 'string' },
      workers: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false }
    },
    strict: true,
    allowPositionals: false
  })
  const width = intOption(values.width, 'width', 2048, 1, 16384)
  const height = intOption(values.height, 'height', 2048, 1, 16384)
  const frameCount = intOption(values.frames, 'frames', 8, 1, 1000)
  const seed = intOption(values.seed, 'seed', 1, 0, 2 ** 31 - 1)
  const workers = values.workers === undefined ? undefined : intOption(values.workers, 'workers', 1, 1, 256)
  const frames = Array.from({ length: frameCount }, (_, frame) => makeCameraFrame(width, height, { seed, frame }))
  const frameBytes = width * height * 2
  const mb = (frameBytes * frameCount) / 1e6
  const rows: DemoRow[] = []
  const pool = new PzfEncoderPool(workers === undefined ? {} : { size: workers })
  try {
    for (const mode of ['lossless', 'quantised'] as const) {
      if (io.signal.aborted) break
      // A camera buffer: x fastest, so PZF order 'F' with shape [width, height] (no copy).
      const options: PzfEncodeOptions = { shape: [width, height], dimOrder: 'F', quantization: mode === 'quantised' ? QUANT : null }
      // Warm up the JIT and start the workers before timing.
      decodePzf(encodePzf(frames[0] as Uint16Array, options))
      await Promise.all(Array.from({ length: pool.size }, async () => await pool.encode(frames[0] as Uint16Array, options)))
      let t0 = performance.now()
      const encoded = frames.map((f, i) => encodePzf(f, { ...options, frameNum: i }))
      const encodeMs = performance.now() - t0
      t0 = performance.now()
      const decoded = encoded.map((bytes) => decodePzf(bytes).data as Uint16Array)
      const decodeMs = performance.now() - t0
      let verified = true
      for (const [i, f] of frames.entries()) {
        const back = decoded[i] as Uint16Array
        if (mode === 'lossless') {
          verified &&= sameBytes(new Uint8Array(f.buffer), new Uint8Array(back.buffer))
        } else {
          for (let k = 0; k < f.length && verified; k++) verified = quantisationError(f[k] as number, back[k] as number)
        }
      }
      const pzfBytes = encoded.reduce((s, b) => s + b.length, 0) / frameCount
      rows.push({ mode, path: 'in-process', frameBytes, pzfBytes, ratio: frameBytes / pzfBytes, encodeMBps: mb / encodeMs * 1e3, decodeMBps: mb / decodeMs * 1e3, verified })

      if (io.signal.aborted) break
      t0 = performance.now()
      const pooled: Array<Promise<Uint8Array>> = []
      for (const [i, f] of frames.entries()) {
        await pool.ready()
        pooled.push(pool.encode(f, { ...options, frameNum: i }))
      }
      const fromPool = await Promise.all(pooled)
      const poolMs = performance.now() - t0
      const poolVerified = fromPool.every((b, i) => sameBytes(b, encoded[i] as Uint8Array))
      rows.push({ mode, path: 'pool', frameBytes, pzfBytes, ratio: frameBytes / pzfBytes, encodeMBps: mb / poolMs * 1e3, decodeMBps: null, verified: poolVerified })
    }
  } finally {
    pool.destroy()
  }
  if (io.signal.aborted) {
    io.stderr.write('pyme-cluster demo: interrupted\n')
    return exitCodes.INTERRUPTED
  }
  if (values.json) {
    io.stdout.write(JSON.stringify({ width, height, frames: frameCount, poolSize: pool.size, rows }, null, 2) + '\n')
  } else {
    io.stdout.write(table(width, height, frameCount, pool.size, rows))
  }
  const failed = rows.filter((r) => !r.verified)
  if (failed.length > 0) {
    throw new VerificationError(`PZF round trip failed: ${failed.map((r) => `${r.mode} ${r.path}`).join(', ')}`)
  }
  return exitCodes.OK
}

function table (width: number, height: number, frames: number, poolSize: number, rows: readonly DemoRow[]): string {
  const head = ['mode', 'path', 'frame MB', 'PZF MB', 'ratio', 'encode MB/s', 'decode MB/s', 'verified']
  const body = rows.map((r) => [
    r.mode, r.path === 'pool' ? `pool (${poolSize})` : r.path, (r.frameBytes / 1e6).toFixed(2), (r.pzfBytes / 1e6).toFixed(3),
    r.ratio.toFixed(2), r.encodeMBps.toFixed(0), r.decodeMBps === null ? '-' : r.decodeMBps.toFixed(0),
    r.verified ? (r.path === 'pool' ? 'same bytes' : r.mode === 'lossless' ? 'bit-exact' : 'within bound') : 'FAILED'
  ])
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => (row[c] as string).length)))
  const line = (cells: readonly string[]): string => cells.map((s, c) => (c < 2 ? s.padEnd(widths[c] as number) : s.padStart(widths[c] as number))).join('  ')
  return [
    `PZF round trip of ${frames} simulated ${width}x${height} uint16 camera frames (MB/s of uncompressed pixels)`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    ''
  ].join('\n')
}

/** The `demo` command. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'round-trip simulated camera frames through PZF and report speed and size',
  usage,
  run: runDemo
}
