/**
 * Server CPU per upload (`npm run bench:server-cpu`): the data server in a child process with
 * its root on tmpfs, one raw pipelined connection PUTting `count` bodies of one size (as a
 * PYME Streamer or our ClusterBackend sends frames), and the server's CPU time over exactly
 * those uploads, read from /proc/<pid>/stat (all threads) and split into the main thread and
 * the others (libuv's pool, V8's helpers). Issue 12's goals: <= 7.5 ms per 8 MiB upload and
 * <= 0.45 ms per 512 KiB upload (PYME's server on this machine).
 *
 *   npm run bench:server-cpu -- [--size 8m,512k] [--runs 3] [--window N]
 *                               [--baseline <checkout of another commit>]
 *
 * With `--baseline`, the server of that checkout runs too, alternating with this one run by
 * run, each on a fresh process and root; the ratio this/baseline is printed. Best and median
 * of the runs. A benchmark: it prints numbers and the machine's load, never pass/fail.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { rawPutRun } from '../streamer/raw-put-client.js'
import { startCheckoutServer } from './checkout-server.js'
import { cpuSince, threadCpu } from './thread-cpu.js'

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '8m,512k' },
    runs: { type: 'string', default: '3' },
    window: { type: 'string' },
    baseline: { type: 'string' },
    count: { type: 'string' }
  }
})

const MiB = 1024 * 1024
const runs = Number(values.runs)
const sizes = values.size.split(',').map((s) => {
  const m = /^(\d+)([km]?)$/i.exec(s.trim())
  if (m === null) throw new Error(`--size: expected e.g. 8m or 512k, got ${s}`)
  return Number(m[1]) * (m[2]?.toLowerCase() === 'm' ? MiB : m[2]?.toLowerCase() === 'k' ? 1024 : 1)
})

interface Variant { readonly name: string, readonly checkout: string | undefined }
const variants: Variant[] = [{ name: 'this', checkout: undefined }]
if (values.baseline !== undefined) variants.push({ name: 'baseline', checkout: resolve(values.baseline) })

interface Sample { readonly cpuMs: number, readonly mainMs: number, readonly otherMs: number, readonly mbps: number }

async function measure (v: Variant, size: number, count: number, window: number, body: Buffer): Promise<Sample> {
  const root = await mkdtemp(join('/dev/shm', 'pyme-cpu-'))
  const server = await startCheckoutServer(root, v.checkout)
  try {
    // A warm-up as long as the run: V8 optimises the server's request path only after one or two
    // thousand small uploads (--trace-opt: parseRequestHead, #consume, send… first optimised
    // between uploads 1,000 and 2,000), and its compiling on a helper thread would be counted.
    await rawPutRun([server.url], 'warm', body, Infinity, window, 1, count)
    const before = threadCpu(server.pid)
    const r = await rawPutRun([server.url], 'run', body, Infinity, window, 1, count)
    const spent = cpuSince(before, threadCpu(server.pid), server.pid)
    if (r.errors > 0 || r.frames !== count) throw new Error(`${v.name}: ${r.errors} uploads refused`)
    return { cpuMs: spent.total / count, mainMs: spent.main / count, otherMs: (spent.helpers + spent.started) / count, mbps: r.bytes / r.seconds / 1e6 }
  } finally {
    await server.stop()
    await rm(root, { recursive: true, force: true })
  }
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] as number : ((s[m - 1] as number) + (s[m] as number)) / 2
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ')
console.log(`# server CPU per upload — node ${process.version}, root on tmpfs, ${runs} runs alternating, load ${load()}`)
for (const size of sizes) {
  const count = values.count !== undefined ? Number(values.count) : size >= 4 * MiB ? 200 : 2000
  const window = values.window !== undefined ? Number(values.window) : Math.max(1, Math.min(16, Math.floor(64 * MiB / size)))
  const body = Buffer.alloc(size)
  for (let i = 0; i < size; i += 2) body.writeUInt16LE((100 + i * 2654435761) & 0x3ff, i)
  const label = size >= MiB ? `${size / MiB} MiB` : `${size / 1024} KiB`
  const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]))
  for (let r = 0; r < runs; r++) {
    const order = r % 2 === 0 ? variants : [...variants].reverse()
    for (const v of order) samples.get(v.name)?.push(await measure(v, size, count, window, body))
  }
  const summary = new Map<string, number>()
  for (const v of variants) {
    const s = samples.get(v.name) ?? []
    const cpu = s.map((x) => x.cpuMs)
    summary.set(v.name, median(cpu))
    console.log(`${label.padEnd(8)} x${count} window ${window} ${v.name.padEnd(8)} CPU/upload ms: median ${median(cpu).toFixed(3)} best ${Math.min(...cpu).toFixed(3)} ` +
      `(main ${median(s.map((x) => x.mainMs)).toFixed(3)}, other threads ${median(s.map((x) => x.otherMs)).toFixed(3)}) | MB/s median ${median(s.map((x) => x.mbps)).toFixed(0)} best ${Math.max(...s.map((x) => x.mbps)).toFixed(0)}` +
      ` | runs ${cpu.map((c) => c.toFixed(2)).join(' ')}`)
  }
  const base = summary.get('baseline')
  if (base !== undefined) console.log(`${label.padEnd(8)} this/baseline CPU per upload (medians): ${((summary.get('this') ?? 0) / base).toFixed(2)}`)
  console.log(`${label.padEnd(8)} goal (issue 12, PYME's server on this machine): ${size >= 4 * MiB ? '7.5 ms per 8 MiB' : '0.45 ms per 512 KiB'}`)
}
console.log(`load after: ${load()}`)
