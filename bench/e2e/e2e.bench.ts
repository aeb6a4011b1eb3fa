/**
 * End to end (`npm run bench:e2e`, issue 12): a camera-like series stored with `ClusterBackend`
 * (the public API, compiled) into data servers in child processes (`pyme-cluster serve`, roots
 * on tmpfs), next to a raw-socket pipelined client sending the same bytes (the PZF files of
 * the same frames, encoded beforehand) to the same servers: the ceiling.
 *
 *   npm run bench:e2e -- [--case raw-2048,raw-512,huffman-2048,huffman-512] [--servers 1,2]
 *                        [--runs 3] [--frames N] [--distribution chunked|round-robin|...] [--server <checkout>]
 *                        [--ring 16] [--series 2]
 *
 * Per case and server count, `runs` rounds; in each the two clients run in alternating order,
 * each on fresh servers and roots. Each client stores `--series` series one after the other to
 * the same servers (a new ClusterBackend per series, in the same process): the first series
 * shows a fresh client process and fresh servers, whose code is compiled while they run; the
 * later ones show an acquisition program and servers that stay up, as PYMEAcquire and data
 * servers do. Both are printed, each with its own ratio.
 *
 * Printed: frames/s up to the last frame on disk (answered 200), pixel MB/s, the ratio to the
 * ceiling (medians), CPU milliseconds per frame of the client (main thread; threads present
 * before the run: V8 helpers and libuv's pool; threads started by the run: the encoder workers)
 * and of the server (all its threads, /proc), best and median. The ClusterBackend runs in its
 * own plain-JavaScript process (cluster-backend-client.mjs); the ceiling runs in this one (it
 * allocates nothing per frame). Also printed: PYME's figures as issue 12 measured them on this machine, for reference.
 *
 * Raw cases also run the ClusterBackend with a camera ring of `--ring` buffers from
 * `allocateFrame()`, lent to it (`storeFrame(n, buffer, release)`): no copy in the client process
 * but the camera's fill; and next to it the ceiling with the same fill ("ceiling + fill": each
 * file copied into a ring buffer before it is sent), the best any client fed by a camera that
 * writes into memory could do (`--ring 0` leaves both out).
 *
 * To profile the ClusterBackend client, give its Node flags in E2E_CLIENT_NODE_ARGS, e.g.
 * `E2E_CLIENT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` (the client is let exit on its own,
 * so the profile is written). E2E_CLIENT_ENV adds `NAME=value` pairs (space-separated) to its
 * environment alone, e.g. `E2E_CLIENT_ENV=GLIBC_TUNABLES=glibc.cpu.x86_non_temporal_threshold=0x100000`.
 *
 * A benchmark, never a test: it prints numbers and the machine's load.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { resolveBackendOptions } from '../../lib/backends/series-backend-options.js'
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'
import { chunkedDistribution, roundRobinDistribution } from '../../lib/streamer/distribution.js'
import { encodePzf } from '../../lib/pzf/index.js'
import { startCheckoutServer, type CheckoutServer } from '../server/checkout-server.js'
import { cpuSince, threadCpu, type CpuSpent } from '../server/thread-cpu.js'
import { rawPutRun, type RawRoute } from '../streamer/raw-put-client.js'

const CLIENT = fileURLToPath(new URL('./cluster-backend-client.mjs', import.meta.url))

interface Case {
  readonly name: string
  readonly side: number
  readonly frames: number
  readonly compression: 'raw' | 'huffman'
}

const ALL: Case[] = [
  { name: 'raw-2048', side: 2048, frames: 200, compression: 'raw' },
  { name: 'raw-512', side: 512, frames: 2000, compression: 'raw' },
  { name: 'huffman-2048', side: 2048, frames: 200, compression: 'huffman' },
  { name: 'huffman-512', side: 512, frames: 2000, compression: 'huffman' }
]

/** Issue 12's table (PYME ClusterBackend → PYME server, this machine), printed for reference only. */
const PYME: Record<string, string> = {
  'raw-2048': '120–145 fps (best 246, about 2 GB/s); client CPU ≈ 3.3 ms/frame, server ≈ 7.5 ms/frame',
  'raw-512': '2,240–2,390 fps; server ≈ 0.45 ms/frame',
  'huffman-2048': '25 fps (60–100 frames; its one send thread codes)'
}

const { values } = parseArgs({
  options: {
    case: { type: 'string', default: ALL.map((c) => c.name).join(',') },
    servers: { type: 'string', default: '1,2' },
    runs: { type: 'string', default: '3' },
    frames: { type: 'string' },
    distribution: { type: 'string' },
    pipelining: { type: 'string', default: '16' },
    // Raw cases also run a camera ring of this many buffers lent to the backend (0: not run).
    ring: { type: 'string', default: '16' },
    // Series each client stores one after the other (first: fresh processes; later: warm).
    series: { type: 'string', default: '2' },
    // Another checkout's build runs the servers (before/after comparisons of the server).
    server: { type: 'string' }
  }
})
const wanted = values.case.split(',').map((s) => s.trim())
const cases = ALL.filter((c) => wanted.includes(c.name))
const unknown = wanted.filter((w) => !ALL.some((c) => c.name === w))
if (unknown.length > 0) throw new Error(`--case: unknown ${unknown.join(', ')} (known: ${ALL.map((c) => c.name).join(', ')})`)
const serverCounts = values.servers.split(',').map(Number)
const runs = Number(values.runs)
const pipelining = Number(values.pipelining)
const ringSize = Number(values.ring)
const seriesCount = Number(values.series)
if (!Number.isInteger(seriesCount) || seriesCount < 1) throw new Error('--series: expected an integer ≥ 1')
/** Distinct frames the camera cycles through (generating a 2048² frame takes tens of ms). */
const DISTINCT = 8

interface Sample {
  readonly fps: number
  readonly mbps: number
  readonly client: CpuSpent
  readonly server: number
  readonly frames: number
  readonly fillMs?: number
  /** ClusterBackend only: `initialize()`'s time, before the clock started. */
  readonly initializeMs?: number
  /** ClusterBackend only: the second half of the run (see cluster-backend-client.mjs). */
  readonly steady?: { readonly frames: number, readonly buffers: number, readonly total: number, readonly minorGcs: number, readonly majorGcs: number }
}

async function withServers<T> (n: number, fn: (servers: CheckoutServer[]) => Promise<T>): Promise<T> {
  const roots: string[] = []
  const servers: CheckoutServer[] = []
  try {
    for (let k = 0; k < n; k++) {
      const root = await mkdtemp(join('/dev/shm', 'pyme-e2e-'))
      roots.push(root)
      servers.push(await startCheckoutServer(root, values.server === undefined ? undefined : resolve(values.server)))
    }
    return await fn(servers)
  } finally {
    await Promise.all(servers.map((s) => s.stop()))
    for (const r of roots) await rm(r, { recursive: true, force: true })
  }
}

const serverCpu = (servers: CheckoutServer[]): number[] => servers.map((s) => threadCpu(s.pid).total)
const spentSince = (before: number[], servers: CheckoutServer[]): number =>
  serverCpu(servers).reduce((sum, t, i) => sum + t - (before[i] ?? 0), 0)

/** Runs one ClusterBackend client process storing `series` one after the other; a sample per series. */
async function runClusterBackend (c: Case, frames: number, servers: CheckoutServer[], series: string[], ring: number): Promise<Sample[]> {
  const args = { servers: servers.map((s) => s.url), side: c.side, frames, compression: c.compression, series, distinct: DISTINCT, distribution: values.distribution, ring }
  const env = { ...process.env, ...Object.fromEntries((process.env['E2E_CLIENT_ENV'] ?? '').split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) }
  const child = spawn(process.execPath, [...(process.env['E2E_CLIENT_NODE_ARGS']?.split(' ').filter(Boolean) ?? []), CLIENT, JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'inherit'], env })
  const exited = once(child, 'exit')
  try {
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
    const next = async (): Promise<Record<string, number>> => {
      const r = await Promise.race([lines.next(), exited.then(() => ({ done: true, value: undefined }))])
      if (r.done === true || r.value === undefined) throw new Error('the ClusterBackend client exited early')
      return JSON.parse(r.value as string) as Record<string, number>
    }
    const pid = child.pid as number
    const samples: Sample[] = []
    for (let k = 0; k < series.length; k++) {
      await next()
      const clientBefore = threadCpu(pid)
      const serversBefore = serverCpu(servers)
      child.stdin.write('go\n')
      const result = await next()
      const client = cpuSince(clientBefore, threadCpu(pid), pid)
      const server = spentSince(serversBefore, servers)
      const stored = result['stored'] ?? 0
      if (stored !== frames) throw new Error(`ClusterBackend stored ${stored} of ${frames} frames (${result['failed']} failed)`)
      const seconds = result['seconds'] as number
      const steady = {
        frames: result['steadyFrames'] ?? 0,
        buffers: result['steadyBuffers'] ?? 0,
        total: result['buffersAllocated'] ?? 0,
        minorGcs: result['steadyMinorGcs'] ?? 0,
        majorGcs: result['steadyMajorGcs'] ?? 0
      }
      samples.push({ fps: frames / seconds, mbps: frames * c.side * c.side * 2 / seconds / 1e6, client, server, frames, fillMs: result['fillMs'] ?? 0, initializeMs: result['initializeMs'] ?? 0, steady })
    }
    child.stdin.write('exit\n')
    return samples
  } finally {
    // A profiled client (E2E_CLIENT_NODE_ARGS="--cpu-prof ...") writes its profile as it exits.
    if (child.exitCode === null && child.signalCode === null) await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())])
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
  }
}

async function runCeiling (c: Case, frames: number, servers: CheckoutServer[], prefix: string, bodies: Buffer[], fill: boolean): Promise<Sample> {
  // The ceiling gets the Streamer's window: `pipelining` requests, at most 64 MiB per node.
  const window = Math.max(1, Math.min(pipelining, Math.floor(64 * 1024 * 1024 / (bodies[0] as Buffer).length)))
  // With `fill`, each file is first copied into one of a ring of buffers, as a camera fills its
  // own: a frame is sent only once the one `ring` frames before it is answered (window < ring).
  const ring = fill ? Array.from({ length: window + 1 }, () => Buffer.alloc((bodies[0] as Buffer).length)) : []
  const body = fill
    ? (n: number): Buffer => { const b = ring[n % ring.length] as Buffer; b.set(bodies[n % bodies.length] as Buffer); return b }
    : (n: number): Buffer => bodies[n % bodies.length] as Buffer
  const clientBefore = threadCpu()
  const serversBefore = serverCpu(servers)
  const r = await rawPutRun(servers.map((s) => s.url), prefix, body, Infinity, window, 1, frames, ceilingRoute(c, servers.length))
  const client = cpuSince(clientBefore, threadCpu())
  const server = spentSince(serversBefore, servers)
  if (r.frames !== frames) throw new Error(`raw client stored ${r.frames} of ${frames} (${r.errors} errors)`)
  return { fps: frames / r.seconds, mbps: frames * c.side * c.side * 2 / r.seconds / 1e6, client, server, frames }
}

/**
 * With several servers, the ceiling sends each frame where the ClusterBackend's distribution does
 * ('chunked': 50 frames to one server, then the next; 'round-robin'), with at most the backend's
 * default window of frames taken and unanswered: written to all servers at once, it would measure
 * something the backend does not do. Other distributions depend on the servers' state: the
 * ceiling then writes to all at once (said in the output).
 */
function ceilingRoute (c: Case, servers: number): RawRoute | undefined {
  if (servers < 2) return undefined
  const { maxPendingFrames: maxPending } = resolveBackendOptions({ shape: [c.side, c.side], compression: c.compression })
  const name = values.distribution ?? 'chunked'
  // The Streamer's own functions (its default chunk size); both choose by the frame index alone.
  const choose = name === 'chunked' ? chunkedDistribution() : name === 'round-robin' ? roundRobinDistribution : undefined
  if (choose === undefined) return undefined
  return { connection: (n) => choose(servers, { index: n, path: '', nodes: [] }), maxPending }
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] as number : ((s[m - 1] as number) + (s[m] as number)) / 2
}

const f0 = (x: number): string => x.toFixed(0)
const f2 = (x: number): string => x.toFixed(2)

function describe (label: string, s: Sample[]): string {
  const per = (pick: (x: Sample) => number): number => median(s.map((x) => pick(x) / x.frames))
  const fill = s[0]?.fillMs === undefined ? '' : `; of it the camera's fill ${f2(median(s.map((x) => x.fillMs ?? 0)))}`
  return `  ${label.padEnd(14)} fps median ${f0(median(s.map((x) => x.fps))).padStart(5)} best ${f0(Math.max(...s.map((x) => x.fps))).padStart(5)} | ` +
    `MB/s ${f0(median(s.map((x) => x.mbps))).padStart(5)} | CPU ms/frame: client ${f2(per((x) => x.client.total))} ` +
    `(main ${f2(per((x) => x.client.main))}, helpers ${f2(per((x) => x.client.helpers))}, workers ${f2(per((x) => x.client.started))}${fill}), ` +
    `server ${f2(per((x) => x.server))} | fps runs ${s.map((x) => f0(x.fps)).join(' ')}` + memory(s)
}

/** Steady-state allocation of the ClusterBackend runs: frame-sized buffers created, GCs per 100 frames. */
function memory (s: Sample[]): string {
  const st = s.map((x) => x.steady).filter((x) => x !== undefined)
  if (st.length === 0) return ''
  const per100 = (pick: (x: NonNullable<Sample['steady']>) => number): string => f2(median(st.map((x) => 100 * pick(x) / Math.max(1, x.frames))))
  return `\n  ${''.padEnd(14)} steady state (2nd half): frame buffers created ${st.map((x) => x.buffers).join(' ')} ` +
    `(in all ${st.map((x) => x.total).join(' ')}), GCs per 100 frames minor ${per100((x) => x.minorGcs)} major ${per100((x) => x.majorGcs)}; ` +
    `initialize() before the clock, ms ${s.map((x) => f0(x.initializeMs ?? 0)).join(' ')}`
}

function distributionNote (c: Case, servers: number): string {
  const which = values.distribution === undefined ? 'its default distribution (chunked, 50 frames per server)' : `distribution ${values.distribution}`
  if (servers < 2) return ''
  return ` — ClusterBackend with ${which}; the ceiling ${ceilingRoute(c, servers) === undefined ? 'writes to all servers at once' : 'sends each frame to the same server, within the backend\'s window'}`
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ')
console.log(`# bench:e2e — node ${process.version}, ${cpus().length} cores, servers: pyme-cluster serve (dist), roots on tmpfs; ${runs} runs alternating; load ${load()}`)
console.log('# fps = frames / time to the last frame answered 200; MB/s = pixel bytes; CPU from /proc (utime+stime)')
for (const c of cases) {
  const frames = values.frames === undefined ? c.frames : Number(values.frames)
  const source = Array.from({ length: DISTINCT }, (_, i) => makeCameraFrame(c.side, c.side, { seed: 12, frame: i }))
  const bodies = source.map((f) => Buffer.from(encodePzf(f, { shape: [c.side, c.side], compression: c.compression })))
  const wire = bodies.reduce((a, b) => a + b.length, 0) / bodies.length
  console.log(`\n## ${c.name}: ${c.side}x${c.side} uint16 ${c.compression}, ${frames} frames, ${(wire / 1e6).toFixed(2)} MB per file on the wire`)
  if (PYME[c.name] !== undefined) console.log(`  PYME, measured on this machine per issue 12 (reference, not this run): ${PYME[c.name]}`)
  for (const n of serverCounts) {
    // Per variant, a list of samples per series position (0: the first series, fresh processes).
    const backend: Sample[][] = []
    const lent: Sample[][] = []
    const ceiling: Sample[][] = []
    const filled: Sample[][] = []
    const add = (to: Sample[][], samples: Sample[]): void => { samples.forEach((x, k) => (to[k] ??= []).push(x)) }
    const ceilings = async (servers: CheckoutServer[], prefix: string, fill: boolean): Promise<Sample[]> => {
      const out: Sample[] = []
      for (let k = 0; k < seriesCount; k++) out.push(await runCeiling(c, frames, servers, `${prefix}_${k}`, bodies, fill))
      return out
    }
    const names = (prefix: string): string[] => Array.from({ length: seriesCount }, (_, k) => `${prefix}_${k}.pcs`)
    const variants = c.compression === 'raw' && ringSize > 0 ? ['ceiling', 'backend', 'lent', 'filled'] : ['ceiling', 'backend']
    for (let r = 0; r < runs; r++) {
      for (const which of r % 2 === 0 ? variants : [...variants].reverse()) {
        await withServers(n, async (servers) => {
          // Warm the servers' code paths the same way for all.
          await rawPutRun(servers.map((s) => s.url), 'warm', bodies[0] as Buffer, Infinity, 4, 1, Math.min(20, frames))
          if (which === 'ceiling') add(ceiling, await ceilings(servers, `bench/raw_${r}`, false))
          else if (which === 'filled') add(filled, await ceilings(servers, `bench/filled_${r}`, true))
          else if (which === 'backend') add(backend, await runClusterBackend(c, frames, servers, names(`bench/e2e_${c.name}_${r}`), 0))
          else add(lent, await runClusterBackend(c, frames, servers, names(`bench/e2e_${c.name}_lent_${r}`), ringSize))
        })
      }
    }
    // The first series, then the later ones pooled.
    const phases = seriesCount === 1
      ? [{ label: '', pick: (x: Sample[][]) => x[0] ?? [] }]
      : [
          { label: 'first series (fresh client and server processes)', pick: (x: Sample[][]) => x[0] ?? [] },
          { label: `series 2-${seriesCount} (the same processes, warm)`, pick: (x: Sample[][]) => x.slice(1).flat() }
        ]
    for (const { label, pick } of phases) {
      const [b, l, ce, f] = [pick(backend), pick(lent), pick(ceiling), pick(filled)]
      const ratio = (s: Sample[]): string => f2(median(s.map((x) => x.fps)) / median(ce.map((x) => x.fps)))
      const lentVsFilled = l.length > 0 && f.length > 0 ? `, lent ring / ceiling with a camera fill = ${f2(median(l.map((x) => x.fps)) / median(f.map((x) => x.fps)))}` : ''
      console.log(` ${n} server${n > 1 ? 's' : ''}${label === '' ? '' : `, ${label}`}: ClusterBackend / raw-socket ceiling = ${ratio(b)}${l.length > 0 ? `, lent ring / ceiling = ${ratio(l)}` : ''}${lentVsFilled} (median fps)${distributionNote(c, n)}`)
      console.log(describe('ClusterBackend', b))
      if (l.length > 0) console.log(describe(`lent ring ${ringSize}`, l))
      console.log(describe('raw ceiling', ce))
      if (f.length > 0) console.log(describe('ceiling + fill', f))
    }
  }
}
console.log(`\nload after: ${load()}`)
