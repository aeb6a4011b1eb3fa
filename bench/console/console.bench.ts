// Console benchmark (`npm run bench:console`): one real data server on loopback, its root on
// this machine (tmpfs where there is one), the console in this process.
//
//   TIFF read: a series of camera-like frames (default 48 of 1024x1024 uint16, PZF Huffman).
//              Baseline: SeriesReader.getFrame(i), one frame after the other, through the same
//              cluster client. The TIFF is read sequentially over /dav/ by a client thread, in
//              turns with the baseline, 8 frames at a time (one Range request for their pixels;
//              no decoded-frame cache, so every frame is decoded each time): the ratio compares
//              the two over the same stretch of time on a shared machine. Also timed: the whole
//              <series>.tif in one GET, and read in 1 MiB Range requests (as a mounted file
//              system reads; with the frame cache).
//   PROPFIND:  depth 1 of a 100,000-frame series (files written straight into the root): with
//              a new client and console (cold), again (listing cached), and with davfs2's
//              property list (what a mounted drive asks). Baseline:
//              Cluster.listDirectory of the same directory, cold.
//
// Prints frames/s and the ratio to the baseline (best and median of --runs), CPU per frame
// (process-wide: client thread, console, decode workers), and the load average. A benchmark, never a
// test. Options: --frames N, --size N (frame edge), --runs N, --files N.
import { once } from 'node:events'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { request } from 'undici'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { Cluster } from '../../lib/cluster/cluster.js'
import { startConsole } from '../../lib/console/console-server.js'
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import { startDataServer } from '../../lib/server/index.js'

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '48' },
    size: { type: 'string', default: '1024' },
    runs: { type: 'string', default: '5' },
    files: { type: 'string', default: '100000' }
  }
})
const nFrames = Number(values.frames)
const size = Number(values.size)
const runs = Number(values.runs)
const nFiles = Number(values.files)

// What davfs2 asks for when it lists a directory.
const DAVFS2_BODY = '<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><prop><resourcetype/><getcontentlength/><getetag/>' +
  '<getlastmodified/><executable xmlns="http://apache.org/dav/props/"/></prop></propfind>'

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number
const best = (xs: readonly number[]): number => Math.max(...xs)
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ')

interface Sample { readonly ms: number, readonly cpuMs: number }

async function measure (fn: () => Promise<void>): Promise<Sample> {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await fn()
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 }
}

// The TIFF is read by a client on its own thread (http-reader.ts), as Fiji or rclone would be a
// process of their own: the client's work does not run on the console's event loop.
const client = new Worker(new URL('./http-reader.ts', import.meta.url))
async function read (url: string, size: number, chunk = 0): Promise<void> {
  client.postMessage({ url, size, chunk })
  const [answer] = await once(client, 'message') as [{ bytes?: number, error?: string }]
  if (answer.error !== undefined) throw new Error(answer.error)
  if (answer.bytes !== size) throw new Error(`read ${String(answer.bytes)} of ${size} bytes`)
}

const base = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'pyme-bench-console-'))
const server = await startDataServer({ root: join(base, 'root'), port: 0, advertise: 'none', cluster: 'bench' })
const connect = async (): Promise<Cluster> => await Cluster.connect({
  cluster: 'bench', servers: [server.url], registry: false, mdns: false, env: {}, fileCacheEntries: 0, listTimeoutMs: 120_000, getTimeoutMs: 60_000
})
try {
  console.log(`machine: ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), node ${process.version}, load ${load()}`)

  // ── TIFF read ───────────────────────────────────────────────────────────────────────────
  const series = 'bench/tiff.pcs'
  const backend = new ClusterBackend(series, { shape: [size, size], servers: [server.url], metadata: { 'voxelsize.x': 0.1, 'voxelsize.y': 0.1 } })
  await backend.initialize()
  for (let n = 0; n < nFrames; n++) {
    if (!backend.storeFrame(n, makeCameraFrame(size, size, { seed: 7, frame: n }))) await backend.ready()
  }
  const report = await backend.finalize()
  console.log(`\nseries: ${nFrames} frames of ${size}x${size} uint16, ${(report.bytes / nFrames / 1e6).toFixed(2)} MB PZF each`)
  const cluster = await connect()
  const noCache = await startConsole({ cluster, port: 0, frameCacheBytes: 0 })
  const cached = await startConsole({ cluster, port: 0 })
  const reader = await SeriesReader.open(`PYME-CLUSTER://bench/${series}`, { cluster })
  const tif = (c: { url: string }): string => `${c.url}dav/${series}.tif`
  const tifSize = Number((await request(tif(noCache), { method: 'HEAD' })).headers['content-length'])
  console.log(`decode threads: ${cpus().length > 8 ? 8 : cpus().length}; TIFF ${(tifSize / 1e6).toFixed(1)} MB`)
  // Warm-up: every decode worker started and compiled, the decoder JIT-compiled on each thread.
  for (let i = 0; i < Math.min(nFrames, 8); i++) await reader.getFrame(i)
  await read(tif(noCache), tifSize)
  await read(tif(cached), tifSize, 1024 * 1024)
  // The machine is shared: load changes from one second to the next. So the two readers take
  // turns on blocks of 8 frames (the order swapped every block), and the ratio is of their totals
  // over the same stretch of time; the whole-file GET and the 1 MiB ranges are timed as they come.
  const BLOCK = 8
  const fb = size * size * 2
  const head = (await request(tif(noCache), { headers: { Range: 'bytes=0-4095' } }))
  const h = Buffer.from(await head.body.arrayBuffer())
  const dataOffset = h.readUInt32LE(h.readUInt32LE(4) + 2 + 12 * 7 + 8)
  const pairs: Array<{ base: Sample, tiff: Sample }> = []
  const whole: Sample[] = []
  const ranged: Sample[] = []
  for (let r = 0; r < runs; r++) {
    for (let b = 0; b + BLOCK <= nFrames; b += BLOCK) {
      const base = async (): Promise<Sample> => await measure(async () => { for (let i = b; i < b + BLOCK; i++) await reader.getFrame(i) })
      const viaTiff = async (): Promise<Sample> => await measure(async () => {
        const from = dataOffset + b * fb
        await read(tif(noCache), BLOCK * fb, -from)
      })
      if ((r + b / BLOCK) % 2 === 0) pairs.push({ base: await base(), tiff: await viaTiff() })
      else pairs.push({ tiff: await viaTiff(), base: await base() })
    }
    whole.push(await measure(async () => { await read(tif(noCache), tifSize) }))
    ranged.push(await measure(async () => { await read(tif(cached), tifSize, 1024 * 1024) }))
  }
  const sum = (xs: Sample[]): Sample => ({ ms: xs.reduce((a, x) => a + x.ms, 0), cpuMs: xs.reduce((a, x) => a + x.cpuMs, 0) })
  const perRun = pairs.length / runs
  const runRatios = Array.from({ length: runs }, (_, r) => {
    const slice = pairs.slice(r * perRun, (r + 1) * perRun)
    return sum(slice.map((p) => p.base)).ms / sum(slice.map((p) => p.tiff)).ms
  })
  const baseTotal = sum(pairs.map((p) => p.base))
  const tiffTotal = sum(pairs.map((p) => p.tiff))
  const framesRead = pairs.length * BLOCK
  const rate = (s: Sample, frames: number): string => `${(frames / (s.ms / 1000)).toFixed(1).padStart(6)} frames/s, ${(s.cpuMs / frames).toFixed(1)} ms CPU/frame`
  console.log(`TIFF read, sequential, in turns of ${BLOCK} frames with the baseline (${runs} runs, ${framesRead} frames each way):`)
  console.log(`  baseline SeriesReader.getFrame          ${rate(baseTotal, framesRead)}`)
  console.log(`  TIFF over /dav/ (Range of those frames)  ${rate(tiffTotal, framesRead)}`)
  console.log(`  ratio TIFF / getFrame: ${(baseTotal.ms / tiffTotal.ms).toFixed(2)} over all turns; per run median ${median(runRatios).toFixed(2)}, best ${best(runRatios).toFixed(2)}, worst ${Math.min(...runRatios).toFixed(2)}`)
  const wholeBest = Math.min(...whole.map((s) => s.ms))
  console.log(`  whole file in one GET (not in turns)     ${rate({ ms: median(whole.map((s) => s.ms)), cpuMs: median(whole.map((s) => s.cpuMs)) }, nFrames)} median, best ${(nFrames / (wholeBest / 1000)).toFixed(1)} frames/s`)
  console.log(`  1 MiB Range GETs, frame cache on         ${rate({ ms: median(ranged.map((s) => s.ms)), cpuMs: median(ranged.map((s) => s.cpuMs)) }, nFrames)} median`)
  await reader.close()
  await noCache.close()
  await cached.close()
  await cluster.close()

  // ── PROPFIND of a 100,000-frame series ──────────────────────────────────────────────────
  const big = 'bench/big.pcs'
  const dir = join(server.root, big)
  await mkdir(dir, { recursive: true })
  const tiny = Buffer.alloc(64, 1)
  for (let i = 0; i < nFiles; i += 512) {
    await Promise.all(Array.from({ length: Math.min(512, nFiles - i) }, async (_, k) => {
      await writeFile(join(dir, `frame${String(i + k).padStart(5, '0')}.pzf`), tiny, { mode: 0o440 })
    }))
  }
  await writeFile(join(dir, 'metadata.json'), '{}', { mode: 0o440 })
  await writeFile(join(dir, 'events.json'), '[]', { mode: 0o440 })
  const listings: number[] = []
  const cold: number[] = []
  const warm: number[] = []
  const davfs: number[] = []
  let responses = 0
  for (let r = 0; r < runs; r++) {
    const c1 = await connect()
    const t0 = performance.now()
    const listing = await c1.listDirectory(big)
    listings.push(performance.now() - t0)
    if (listing.entries.length !== nFiles + 2) throw new Error(`listed ${listing.entries.length}`)
    await c1.close()
    const c2 = await connect()
    const gw = await startConsole({ cluster: c2, port: 0 })
    const propfind = async (body?: string): Promise<number> => {
      const t1 = performance.now()
      client.postMessage({ url: `${gw.url}dav/${big}/`, size: 0, chunk: 0, propfind: true, ...(body === undefined ? {} : { body }) })
      const [answer] = await once(client, 'message') as [{ bytes?: number, error?: string }]
      if (answer.error !== undefined) throw new Error(answer.error)
      responses = answer.bytes ?? 0
      return performance.now() - t1
    }
    cold.push(await propfind())
    warm.push(await propfind())
    davfs.push(await propfind(DAVFS2_BODY))
    await gw.close()
    await c2.close()
  }
  console.log(`\nPROPFIND depth 1 of a ${nFiles}-frame series (${responses} responses; median of ${runs}, target < 2000 ms):`)
  console.log(`  baseline Cluster.listDirectory (cold)   ${median(listings).toFixed(0).padStart(6)} ms`)
  console.log(`  PROPFIND, new client and console        ${median(cold).toFixed(0).padStart(6)} ms   best ${Math.min(...cold).toFixed(0)} ms   ${(median(cold) / median(listings)).toFixed(2)}x baseline`)
  console.log(`  PROPFIND again (listing cached)         ${median(warm).toFixed(0).padStart(6)} ms   best ${Math.min(...warm).toFixed(0)} ms`)
  console.log(`  davfs2's prop list (listing cached)     ${median(davfs).toFixed(0).padStart(6)} ms   best ${Math.min(...davfs).toFixed(0)} ms`)
  console.log(`\nload after: ${load()}`)
} finally {
  await client.terminate()
  await server.close()
  await rm(base, { recursive: true, force: true })
}
