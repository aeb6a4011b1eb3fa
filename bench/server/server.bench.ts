/**
 * Data server benchmark (`npm run bench:server`). Every figure is printed next to a
 * baseline from the same run, as a ratio; nothing here decides pass/fail.
 *
 * 1. PUT throughput, 8 MiB and 512 KiB bodies, from one raw pipelined socket (as PYME's
 *    Streamer sends them), into our server with the root on tmpfs (/dev/shm) and on the
 *    normal disk, against a bare node:http server that reads and discards bodies (ceiling).
 * 2. Keep-alive GET latency of a 100-byte file, one request at a time, vs the bare server.
 * 3. Listing a 100,000-file directory: cold (built from disk) and warm, and the latency of
 *    PUTs into another directory while the cold listing is built.
 * 4. HDF5 aggregation (`BENCH_ONLY=h5`): 2048x2048 Huffman PZF frames appended through
 *    `__aggregate_h5` (PYME's cluster_h5), next to plain PUTs of the same bytes in the same
 *    run, tmpfs and disk roots; frames/s, the ratio, and server CPU per frame. PYME's own
 *    Huffman send thread manages about 25 frames/s at this size.
 *
 * Servers run in their own processes (the client would otherwise share their event loop).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { readFileSync } from 'node:fs'
import { encodePzf } from '../../lib/pzf/encode-pzf.js'
import { H5File } from '../../lib/hdf5/h5-file.js'
import { H5SeriesFile } from '../../lib/hdf5/h5-series-file.js'
import { loadH5Runtime } from '../../lib/hdf5/h5wasm-runtime.js'
import { SERIES_TEMPLATE_BASE64 } from '../../lib/hdf5/pytables-templates.js'
import { startServerProcess, type ServerProcess } from '../../test/helpers/server-process.js'
import { WireClient, streamerPut } from '../../test/server/pyme-wire-client.js'

const MiB = 1024 * 1024
const quick = process.env['BENCH_QUICK'] !== undefined
// BENCH_ONLY=put,get,listing runs some sections only.
const only = new Set((process.env['BENCH_ONLY'] ?? 'put,get,listing,h5').split(','))

interface Target { readonly name: string, readonly port: number, stop (): Promise<void> }

// A bare node:http server with PYME-compatible settings that reads and drops every body.
async function startBare (): Promise<Target> {
  const code = `
    const http = require('node:http')
    const small = Buffer.alloc(100, 7)
    const s = http.createServer({ requireHostHeader: false, keepAliveTimeout: 0, requestTimeout: 0, headersTimeout: 0 }, (req, res) => {
      req.resume()
      req.on('end', () => {
        if (req.method === 'GET') { res.writeHead(200, { 'Content-Length': small.length }); res.end(small) }
        else { res.writeHead(200, { 'Content-Length': 0 }); res.end() }
      })
    })
    s.keepAliveTimeout = 0
    s.listen(0, '127.0.0.1', () => console.log(s.address().port))
  `
  const child: ChildProcess = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = await once(createInterface({ input: child.stdout! }), 'line') as [string]
  return {
    name: 'bare node:http (discards)',
    port: Number(line),
    async stop () {
      child.kill('SIGTERM')
      if (child.exitCode === null) await once(child, 'exit')
    }
  }
}

async function startOurs (name: string, root: string): Promise<Target & { proc: ServerProcess }> {
  const proc = await startServerProcess({ root })
  return { name, port: proc.port, proc, stop: () => proc.stop() }
}

/**
 * Sends `count` PUTs over one pipelined connection, `window` in flight (as PYME's Streamer);
 * `request(i)` gives the path and body of the i-th. Resolves to the seconds it took.
 */
async function pipelinedPuts (port: number, count: number, request: (i: number) => [string, Uint8Array], window = 8): Promise<number> {
  const c = await WireClient.connect(port)
  const started = performance.now()
  let sent = 0
  let answered = 0
  const reader = (async () => {
    for (; answered < count; answered++) {
      const r = await c.response()
      if (r.status !== 200) throw new Error(`PUT answered ${r.status}`)
    }
  })()
  while (sent < count) {
    while (sent - answered >= window) await new Promise((resolve) => setImmediate(resolve))
    const [path, body] = request(sent)
    const head = Buffer.from(`PUT /${path} HTTP/1.1\r\nConnection: keep-alive\r\nContent-Length: ${body.length}\r\n\r\n`)
    if (!c.socket.write(head) || !c.socket.write(body)) await once(c.socket, 'drain')
    sent++
  }
  await reader
  c.destroy()
  return (performance.now() - started) / 1000
}

/** PUTs `count` bodies of `size` bytes over one pipelined connection; MB/s. */
async function putThroughput (port: number, tag: string, size: number, count: number, window = 8): Promise<number> {
  const body = randomBytes(size)
  const seconds = await pipelinedPuts(port, count, (i) => [`bench/${tag}/f${i}.bin`, body], window)
  return size * count / MiB / seconds
}

/** Median and p90 of sequential keep-alive GETs, microseconds. */
async function getLatency (port: number, path: string, n: number): Promise<{ median: number, p90: number }> {
  const c = await WireClient.connect(port)
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    await c.write(`GET ${path} HTTP/1.1\r\n\r\n`)
    const r = await c.response()
    if (r.status !== 200) throw new Error(`GET answered ${r.status}`)
    times.push((performance.now() - t0) * 1000)
  }
  c.destroy()
  times.sort((a, b) => a - b)
  return { median: times[Math.floor(n / 2)] ?? 0, p90: times[Math.floor(n * 0.9)] ?? 0 }
}

/** CPU seconds (user + system) of a process so far, from /proc. */
function cpuSeconds (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** A 2048x2048 camera-like frame, Huffman PZF (about 3.5 MB). */
function benchFrame (): Uint8Array {
  const px = new Uint16Array(2048 * 2048)
  let x = 12345
  for (let i = 0; i < px.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    px[i] = 100 + ((x >>> 16) & 0x7f)
  }
  return encodePzf(px, { shape: [2048, 2048], compression: 'huffman' })
}

/** Sends `count` frames (FrameNum patched per frame) to `prefix`frame%05d.pzf pipelined; frames/s and CPU s/frame of the server. */
async function framePuts (port: number, pid: number, prefix: string, frame: Uint8Array, count: number): Promise<{ fps: number, cpu: number }> {
  const cpu0 = cpuSeconds(pid)
  const seconds = await pipelinedPuts(port, count, (i) => {
    const body = Buffer.from(frame)
    body.writeUInt32LE(i, 16)
    return [`${prefix}frame${String(i).padStart(5, '0')}.pzf`, body]
  })
  return { fps: count / seconds, cpu: (cpuSeconds(pid) - cpu0) / count }
}

/**
 * What the durability discipline costs, in this process on tmpfs: each frame its own
 * committed append (journal + H5Fflush, as the server does) vs 50 frames per commit.
 */
async function disciplineCost (dir: string, frame: Uint8Array, count: number): Promise<{ each: number, batched: number }> {
  const rt = await loadH5Runtime()
  const template = Buffer.from(SERIES_TEMPLATE_BASE64, 'base64')
  const run = (name: string, perCommit: number): number => {
    const f = H5File.open(rt, join(dir, name), { write: true, fsync: false, create: template })
    const series = new H5SeriesFile(f)
    const t0 = performance.now()
    for (let n = 0; n < count; n += perCommit) {
      // The same calls; with perCommit > 1 they join one transaction (one journal, one flush).
      f.transaction(() => {
        for (let k = n; k < Math.min(count, n + perCommit); k++) {
          const b = Buffer.from(frame)
          b.writeUInt32LE(k, 16)
          series.put(`frame${k}.pzf`, b)
        }
      })
    }
    const fps = count / ((performance.now() - t0) / 1000)
    f.close()
    rmSync(join(dir, name), { force: true })
    return fps
  }
  const each: number[] = []
  const batched: number[] = []
  for (let round = 0; round < 3; round++) {
    each.push(run(`each${round}.h5`, 1))
    batched.push(run(`batch${round}.h5`, 50))
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1] as number
  return { each: median(each), batched: median(batched) }
}

function fmt (x: number, digits = 1): string {
  return x.toFixed(digits)
}

const rows: string[] = []
const report = (line: string): void => {
  rows.push(line)
  process.stdout.write(line + '\n')
}

const shm = mkdtempSync(join('/dev/shm', 'pyme-bench-'))
const disk = mkdtempSync(join(tmpdir(), 'pyme-bench-'))
try {
  report(`# pyme-cluster data server bench — node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}${quick ? ' (BENCH_QUICK)' : ''}`)
  const bare = await startBare()
  const tmpfsServer = await startOurs('ours, root on tmpfs', join(shm, 'root'))
  const diskServer = await startOurs('ours, root on disk', join(disk, 'root'))
  try {
    if (only.has('put')) report('\n## PUT throughput, one pipelined connection (8 in flight), MB/s (ratio to the bare ceiling)')
    for (const [size, count] of only.has('put') ? [[8 * MiB, quick ? 16 : 64], [512 * 1024, quick ? 128 : 512]] as const : []) {
      const label = size >= MiB ? `${size / MiB} MiB` : `${size / 1024} KiB`
      // Warm-up, then measure each target the same way.
      await putThroughput(bare.port, 'warm', size, 4)
      const ceiling = await putThroughput(bare.port, `b${size}`, size, count)
      const onShm = await putThroughput(tmpfsServer.port, `s${size}`, size, count)
      const onDisk = await putThroughput(diskServer.port, `d${size}`, size, count)
      report(`${label.padEnd(8)} x${String(count).padEnd(4)} bare ${fmt(ceiling).padStart(7)} | tmpfs ${fmt(onShm).padStart(7)} (${fmt(onShm / ceiling, 2)}) | disk ${fmt(onDisk).padStart(7)} (${fmt(onDisk / ceiling, 2)})`)
      rmSync(join(shm, 'root/bench'), { recursive: true, force: true })
      rmSync(join(disk, 'root/bench'), { recursive: true, force: true })
    }

    if (only.has('get')) {
      report('\n## Keep-alive GET of a 100-byte file, one at a time, µs')
      mkdirSync(join(shm, 'root/small'), { recursive: true })
      writeFileSync(join(shm, 'root/small/f.bin'), Buffer.alloc(100, 7))
      const n = quick ? 500 : 3000
      await getLatency(tmpfsServer.port, '/small/f.bin', 200)
      await getLatency(bare.port, '/small/f.bin', 200)
      const ours = await getLatency(tmpfsServer.port, '/small/f.bin', n)
      const base = await getLatency(bare.port, '/small/f.bin', n)
      report(`median ${fmt(ours.median, 0)} µs, p90 ${fmt(ours.p90, 0)} µs (bare server: median ${fmt(base.median, 0)}, p90 ${fmt(base.p90, 0)}; ratio ${fmt(ours.median / base.median, 2)}; PYME's server: 44 ms median, transcripts §16)`)
    }

    if (only.has('listing')) {
      report('\n## Listing a 100,000-file directory (root on tmpfs)')
      const files = quick ? 20_000 : 100_000
      for (const series of ['s1', 's2']) {
        const dir = join(shm, 'root/big', series)
        mkdirSync(dir, { recursive: true })
        for (let i = 0; i < files; i++) writeFileSync(join(dir, `frame${String(i).padStart(6, '0')}.pzf`), 'x')
      }
      const listing = async (series: string): Promise<[number, number]> => {
        const t0 = performance.now()
        const bytes = (await (await fetch(`http://127.0.0.1:${tmpfsServer.port}/big/${series}/`)).arrayBuffer()).byteLength
        return [performance.now() - t0, bytes]
      }
      // PUT latency alone, then while a cold listing is being built.
      const putLatency = async (tag: string, during?: Promise<unknown>): Promise<{ median: number, max: number }> => {
        const c = await WireClient.connect(tmpfsServer.port)
        const times: number[] = []
        let i = 0
        let over = false
        void during?.then(() => { over = true })
        do {
          const t0 = performance.now()
          await c.write(streamerPut(`lat/${tag}/f${i++}.bin`, 'y'.repeat(1000)))
          await c.response()
          times.push((performance.now() - t0) * 1000)
        } while (during === undefined ? i < 200 : !over && i < 100_000)
        c.destroy()
        times.sort((a, b) => a - b)
        return { median: times[Math.floor(times.length / 2)] ?? 0, max: times[times.length - 1] ?? 0 }
      }
      const [first, firstBytes] = await listing('s1')
      const idle = await putLatency('idle')
      const cold = listing('s2')
      const busy = await putLatency('busy', cold)
      const [coldMs, coldBytes] = await cold
      const [warmMs, warmBytes] = await listing('s2')
      report(`${files} files: first cold listing ${fmt(first, 0)} ms (includes starting the scan worker; ${firstBytes} bytes of JSON)`)
      report(`cold (worker running) ${fmt(coldMs, 0)} ms (${coldBytes} bytes), warm ${fmt(warmMs, 1)} ms (${warmBytes} bytes)`)
      report(`PUT latency (1 kB, sequential): idle median ${fmt(idle.median, 0)} µs / max ${fmt(idle.max, 0)} µs; during the cold listing median ${fmt(busy.median, 0)} µs / max ${fmt(busy.max, 0)} µs`)
    }

    if (only.has('h5')) {
      report('\n## HDF5 aggregation: 2048x2048 Huffman frames, one pipelined connection (8 in flight), frames/s')
      const frame = benchFrame()
      const count = quick ? 30 : 120
      report(`frame ${(frame.length / 1e6).toFixed(2)} MB; each run ${count} frames; plain PUT and __aggregate_h5 alternate, 3 rounds; server CPU ms per frame`)
      for (const target of [tmpfsServer, diskServer]) {
        const plain: number[] = []
        const h5: number[] = []
        let plainCpu = 0
        let h5Cpu = 0
        // Warm-up: the HDF5 worker (and h5wasm) start on the first HDF5 request.
        await framePuts(target.port, target.proc.pid, '__aggregate_h5/bench/warm.h5/', frame, 2)
        for (let round = 0; round < 3; round++) {
          const p = await framePuts(target.port, target.proc.pid, `bench/plain${round}/`, frame, count)
          const a = await framePuts(target.port, target.proc.pid, `__aggregate_h5/bench/s${round}.h5/`, frame, count)
          plain.push(p.fps)
          h5.push(a.fps)
          plainCpu += p.cpu / 3
          h5Cpu += a.cpu / 3
          rmSync(join(target.proc.root, 'bench'), { recursive: true, force: true })
        }
        const best = (xs: number[]): number => Math.max(...xs)
        const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1] as number
        report(`${target.name.padEnd(20)} plain PUT best ${fmt(best(plain))} / median ${fmt(median(plain))} | __aggregate_h5 best ${fmt(best(h5))} / median ${fmt(median(h5))} (ratio ${fmt(median(h5) / median(plain), 2)}) | CPU ${fmt(plainCpu * 1000)} vs ${fmt(h5Cpu * 1000)} ms/frame`)
      }
      const cost = await disciplineCost(shm, frame, count)
      report(`durability discipline (in process, tmpfs, median of 3): a commit per frame ${fmt(cost.each)} frames/s vs one per 50 frames ${fmt(cost.batched)} frames/s (ratio ${fmt(cost.each / cost.batched, 2)})`)
    }
  } finally {
    await Promise.all([bare.stop(), tmpfsServer.stop(), diskServer.stop()])
  }
  report(`\nload after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
} finally {
  rmSync(shm, { recursive: true, force: true })
  rmSync(disk, { recursive: true, force: true })
}
