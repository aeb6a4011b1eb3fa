/**
 * `pyme-cluster demo` (`npm start`): a simulated acquisition end to end. Starts a cluster of
 * local data servers on a temporary root (or uses an existing cluster), runs a simulated sCMOS
 * camera paced at a frame rate, streams it through `ClusterBackend` with a live progress line,
 * reads the series back with `SeriesReader` and checks every frame (bit for bit, or within the
 * quantiser's bound) on worker threads, then prints the rates next to the cameras they meet.
 *
 * ```
 *  DemoCamera (ring of 8 frames, stamped n) ─► ClusterBackend ─► Streamer ─► data server(s)
 *       paced: frame n due at t0 + n / rate          │                           │
 *       backpressure: storeFrame false → ready()     └── progress (stderr) ◄─────┘
 *  SeriesReader.getFrameBytes(i) ─► PzfEncoderPool.runFilter(verifyDemoFrame) ─► summary
 *  (one worker pool, a thread per core: encoding while acquiring, decoding while verifying)
 * ```
 * Exit code 0 when every acquired frame was stored and verified; otherwise the error's code
 * (StoreFailedError, VerificationError: 6).
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { ClusterBackend, type ClusterBackendReport } from '../backends/cluster-backend.js'
import { OperationTimeoutError, StoreFailedError, VerificationError } from '../errors.js'
import { PzfEncoderPool } from '../pzf/pzf-encoder-pool.js'
import { SeriesReader } from '../series/series-reader.js'
import type { CliIo, Command } from './command.js'
import { DemoCamera } from './demo-camera.js'
import { startDemoCluster, type DemoCluster, type DemoServerMode } from './demo-cluster.js'
import { cameraVerdicts, formatTable, progressLine, rateText, type CameraVerdict } from './demo-report.js'
import { throughput } from '../backends/throughput-meter.js'
import { stoppedExit } from './closed-output.js'
import { DEMO_USAGE, parseDemoArgs, type DemoSettings } from './demo-settings.js'
import { VERIFY_BAD_HEADER, VERIFY_OK, type DemoVerifyArg } from './demo-verify.js'
import { exitCodes } from './exit-codes.js'

const verifyModule = new URL(import.meta.url.endsWith('.ts') ? './demo-verify.ts' : './demo-verify.js', import.meta.url)

/** What one acquisition did. */
interface Acquisition {
  readonly acquired: number
  readonly due: number | null
  readonly maxLagMs: number
  readonly seconds: number
  readonly report: ClusterBackendReport
  readonly storeError: StoreFailedError | OperationTimeoutError | null
}

/** What the read-back found. */
interface Verification {
  readonly complete: boolean
  readonly frameCount: number
  readonly verified: number
  readonly badHeader: number
  readonly differing: number
  readonly missing: number
  readonly worst: number
  readonly seconds: number
}

function seriesName (): string {
  const d = new Date()
  const pad = (v: number): string => String(v).padStart(2, '0')
  return `pyme-cluster-demo/${d.getFullYear()}_${d.getMonth() + 1}_${d.getDate()}/` +
    `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}_${randomBytes(3).toString('hex')}.pcs`
}

async function acquire (s: DemoSettings, backend: ClusterBackend, camera: DemoCamera, io: CliIo): Promise<Acquisition> {
  const rate = s.rate
  const due = s.frames ?? (rate === null ? null : Math.max(1, Math.round(rate * s.seconds)))
  // The camera stops at --seconds even if behind (that shortfall is what the demo shows), but a
  // timer that wakes a little late for the last due frames is not a shortfall: a short grace.
  const grace = rate === null ? 0 : Math.max(100, 2000 / rate)
  const deadline = s.frames === null ? s.seconds * 1000 + grace : Infinity
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true
  let n = 0
  let maxLagMs = 0
  let ticks = 0
  const t0 = performance.now()
  let lastStoredAt = t0
  const onStored = (name: string): void => { if (name.endsWith('.pzf')) lastStoredAt = performance.now() }
  backend.on('stored', onStored)
  const show = (): void => {
    const st = backend.stats()
    const line = progressLine({
      elapsedS: (performance.now() - t0) / 1000,
      frames: n,
      target: due,
      stored: st.framesStored,
      rate: st.rate,
      pending: st.pendingFrames,
      dropped: (st.stream?.dropped ?? 0) + st.framesFailed
    })
    io.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`)
  }
  // ~4 updates a second on a terminal; one plain line a second otherwise (logs stay readable).
  const ticker = setInterval(() => { if (tty || ++ticks % 4 === 0) show() }, 250)
  backend.logEvent('StartAq')
  try {
    while ((due === null || n < due) && !io.signal.aborted) {
      const now = performance.now() - t0
      if (now >= deadline) break
      if (rate !== null) {
        const at = n * 1000 / rate
        if (at > now + 1) {
          await sleep(at - now, undefined, { signal: io.signal }).catch(() => {})
          if (io.signal.aborted) break
        } else {
          maxLagMs = Math.max(maxLagMs, now - at)
        }
      }
      if (!backend.storeFrame(n, camera.frame(n++))) await backend.ready()
    }
    backend.logEvent('StopAq')
    let report: ClusterBackendReport
    let storeError: StoreFailedError | OperationTimeoutError | null = null
    try {
      report = await backend.close()
    } catch (err) {
      if (!(err instanceof StoreFailedError || err instanceof OperationTimeoutError) || err.report === undefined || !('stream' in err.report)) throw err
      storeError = err
      report = err.report
    }
    return { acquired: n, due, maxLagMs, seconds: (Math.max(lastStoredAt, t0 + 1) - t0) / 1000, report, storeError }
  } finally {
    clearInterval(ticker)
    backend.off('stored', onStored)
    show()
    if (tty) io.stderr.write('\n')
  }
}

async function verify (s: DemoSettings, pool: PzfEncoderPool, url: string, servers: readonly string[] | null, sequenceId: number, acquired: number): Promise<Verification> {
  const t0 = performance.now()
  const reader = await SeriesReader.open(url, servers === null
    ? { settleMs: 200 }
    : { servers, cluster: { registry: false, mdns: false, env: {} }, settleMs: 100 })
  const counts = { verified: 0, badHeader: 0, differing: 0, worst: 0 }
  try {
    const pending: Array<Promise<void>> = []
    const count = Math.min(reader.frameCount, acquired)
    for (let n = 0; n < count; n++) {
      const bytes = await reader.getFrameBytes(n)
      await pool.ready()
      const arg: DemoVerifyArg = { width: s.width, height: s.height, seed: s.seed, n, sequenceId, quantization: s.quantization }
      pending.push(pool.runFilter(verifyModule, 'verifyDemoFrame', bytes, arg, { transfer: true }).then((out) => { countVerified(counts, out) }))
    }
    await Promise.all(pending)
    return {
      complete: reader.isComplete,
      frameCount: reader.frameCount,
      ...counts,
      missing: acquired - counts.verified - counts.badHeader - counts.differing,
      seconds: (performance.now() - t0) / 1000
    }
  } finally {
    await reader.close()
  }
}

/**
 * Why the demo fails, or null: frames that could not be stored (the backend's
 * `StoreFailedError`), or frames lost, different, or a series not complete on read-back.
 */
export function demoFailure (a: Pick<Acquisition, 'acquired' | 'storeError'>, v: Verification | null): Error | null {
  if (a.storeError !== null) return a.storeError
  if (v === null) return null
  const wrong = v.missing + v.differing + v.badHeader
  if (wrong === 0 && v.complete && v.frameCount === a.acquired) return null
  return new VerificationError(`${wrong} of ${a.acquired} frames lost or different ` +
    `(series complete: ${String(v.complete)}, frame count ${v.frameCount})`)
}

/** Adds one `verifyDemoFrame` result to the counts. */
export function countVerified (counts: { verified: number, badHeader: number, differing: number, worst: number }, out: Uint8Array): void {
  const [status, worst] = new Float64Array(out.buffer, out.byteOffset, 2)
  if (status === VERIFY_OK) counts.verified++
  else if (status === VERIFY_BAD_HEADER) counts.badHeader++
  else counts.differing++
  counts.worst = Math.max(counts.worst, worst ?? 0)
}

interface DemoResult {
  readonly settings: DemoSettings
  readonly url: string
  readonly cluster: { readonly servers: readonly string[] | null, readonly mode: DemoServerMode | null, readonly root: string | null, readonly kept: boolean }
  readonly acquisition: Acquisition
  readonly verification: Verification | null
  readonly cameras: readonly CameraVerdict[]
  readonly machine: { readonly cores: number, readonly loadAverage: number }
}

function summary (r: DemoResult): string {
  const s = r.settings
  const a = r.acquisition
  const frameBytes = s.width * s.height * 2
  const stored = a.report.frames
  const pace = s.rate === null ? 'as fast as it goes (--rate max)' : `paced at ${s.rate} fps`
  const mode = s.quantization === null ? s.compression : `huffman + sqrt quantisation (offset ${s.quantization.offset}, scale ${s.quantization.scale})`
  const where = r.cluster.mode === null
    ? `cluster ${s.cluster ?? (r.cluster.servers ?? []).join(', ')} (the series stays there)`
    : `${s.nodes} local data server(s) (${r.cluster.mode === 'process' ? 'child process' : 'in this process'}), root ${r.cluster.root ?? ''} (${r.cluster.kept ? 'kept' : 'removed'})`
  const lines = [
    `pyme-cluster demo: simulated sCMOS camera, ${s.width}x${s.height} uint16, ${pace}, ${mode}`,
    `cluster   ${where}`,
    `series    ${r.url}`,
    '',
    `acquired  ${a.acquired}${a.due === null ? '' : ` of ${a.due} frames due`}` +
      (s.rate === null ? '' : `, camera lag up to ${(a.maxLagMs / 1000).toFixed(2)} s`),
    `stored    ${stored} frames in ${a.seconds.toFixed(1)} s: ${rateText(throughput(stored, stored * frameBytes, a.report.bytes, a.seconds * 1000))}`
  ]
  const v = r.verification
  if (v !== null) {
    const how = s.quantization === null ? 'bit for bit' : `within the quantiser bound (worst ${(v.worst * 100).toFixed(0)}% of it)`
    lines.push(`verified  ${v.verified} of ${a.acquired} frames ${how} (SeriesReader, ${v.seconds.toFixed(1)} s)`)
    lines.push(`lost ${v.missing}, differing ${v.differing + v.badHeader}, dropped ${a.report.stream?.dropped ?? 0}, failed ${a.report.failed.length}`)
  } else {
    lines.push('verified  skipped (interrupted)')
  }
  lines.push('')
  const table = formatTable(['camera (vendor spec)', 'pixels', 'fps', 'MB/s', 'on this machine'],
    r.cameras.map((c) => [c.camera, c.size, String(c.fps), c.megabytesPerSecond.toFixed(0), c.verdict]))
  return `${lines.join('\n')}\n${table}` +
    `measured end to end (camera to acknowledged on disk) on ${r.machine.cores} cores, load average ${r.machine.loadAverage.toFixed(1)}` +
    (r.cameras.some((c) => c.verdict === 'not measured') ? '; "not measured": the camera was paced below its rate (try --rate max)' : '') + '\n'
}

async function runDemo (args: readonly string[], io: CliIo): Promise<number> {
  const s = parseDemoArgs(args)
  if (io.signal.aborted) return interrupted(io)
  const camera = new DemoCamera({ width: s.width, height: s.height, seed: s.seed })
  let local: DemoCluster | null = null
  let root: string | null = null
  const pool = new PzfEncoderPool({ size: s.workers ?? availableParallelism() })
  try {
    if (s.cluster === null && s.servers === null) {
      root = await mkdtemp(join(tmpdir(), 'pyme-demo-'))
      local = await startDemoCluster(s.nodes, s.serverMode, root)
    }
    const servers = local?.servers ?? s.servers
    const backend = new ClusterBackend(seriesName(), {
      shape: [s.width, s.height],
      compression: s.compression,
      quantization: s.quantization,
      pool,
      ...(servers === null ? { cluster: s.cluster ?? '' } : { servers })
    })
    backend.mdh.set('Camera.Name', 'simulated sCMOS (pyme-cluster demo)')
    backend.mdh.setFloat('Camera.ADOffset', 100).setFloat('Camera.ElectronsPerCount', 0.5).setFloat('Camera.ReadNoise', 0.75)
    backend.mdh.setFloat('voxelsize.x', 0.1).setFloat('voxelsize.y', 0.1)
    await backend.initialize()
    // Start the encoder threads before the clock does (a camera does not wait for them).
    await Promise.all(Array.from({ length: pool.size }, async () => await pool.encode(camera.frame(0), { shape: [s.width, s.height], dimOrder: 'F' })))
    const acquisition = await acquire(s, backend, camera, io)
    const verification = io.signal.aborted ? null : await verify(s, pool, backend.getURL(), servers, backend.sequenceId, acquisition.acquired)
    const frameBytes = s.width * s.height * 2
    const capacity = throughput(acquisition.report.frames, acquisition.report.frames * frameBytes, acquisition.report.bytes, acquisition.seconds * 1000).rawBytesPerSecond
    // Kept pace: every due frame taken, and the last one stored soon after it was due (a queue
    // that grew would finish late). The grace covers one stall, not a sustained shortfall.
    const keptPace = s.rate !== null && acquisition.due !== null && acquisition.acquired === acquisition.due &&
      acquisition.seconds <= (acquisition.due - 1) / s.rate + Math.max(0.25, 5 / s.rate)
    const result: DemoResult = {
      settings: s,
      url: backend.getURL(),
      cluster: { servers, mode: local?.mode ?? null, root, kept: s.keep },
      acquisition,
      verification,
      cameras: cameraVerdicts({ rawBytesPerSecond: keptPace ? (s.rate ?? 0) * frameBytes : capacity, keptPace }),
      machine: { cores: availableParallelism(), loadAverage: loadavg()[0] ?? 0 }
    }
    io.stdout.write(s.json ? JSON.stringify(result, jsonReplacer, 2) + '\n' : summary(result))
    const failure = demoFailure(acquisition, verification)
    if (failure !== null) throw failure
    return verification === null ? interrupted(io) : exitCodes.OK
  } finally {
    pool.destroy()
    await local?.close()
    if (root !== null && !s.keep) await rm(root, { recursive: true, force: true })
  }
}

function interrupted (io: CliIo): number {
  return stoppedExit(io, 'pyme-cluster demo')
}

/** JSON output: errors as `{ name, code, message }`, everything else as is. */
function jsonReplacer (_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, code: (value as { code?: string }).code, message: value.message }
  return value
}

/** The `demo` command. */
export const demoCommand: Command = {
  name: 'demo',
  usage: DEMO_USAGE,
  run: runDemo
}
