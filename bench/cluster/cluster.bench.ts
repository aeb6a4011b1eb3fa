// Cluster client benchmark (`npm run bench:cluster`): three real data servers on loopback,
// each with its own root on this machine.
//
//   listdir: one 100,000-file series spread over the three servers (files written straight
//            into the roots), listed cold (servers and client have never listed it), with a
//            new client against warm servers, and warm (client cache within its 1 s).
//            Baseline: fs.readdir of the three directories and a union of the names.
//   getFile: 4 MiB files spread over the servers, read whole with the local bypass (from
//            disk) and without it (HTTP), one at a time and four at a time.
//            Baseline: fs.readFile of the same files.
//
// Prints medians and ratios to the baseline from the same run, and the load average. A
// benchmark, never a test. Options: --files N (series size, default 100000), --runs N
// (default 5), --big N (number of 4 MiB files, default 48).
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Cluster } from '../../lib/cluster/cluster.js'
import { startDataServer, type DataServer } from '../../lib/server/index.js'

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
    big: { type: 'string', default: '48' }
  }
})
const nFiles = Number(values.files)
const runs = Number(values.runs)
const nBig = Number(values.big)
const BIG = 4 * 1024 * 1024
const SERIES = 'bench/series_0001.pcs'

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1] as number
}

async function time (fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

async function writeBatch (jobs: Array<() => Promise<void>>, width = 256): Promise<void> {
  for (let i = 0; i < jobs.length; i += width) await Promise.all(jobs.slice(i, i + width).map((j) => j()))
}

const base = await mkdtemp(join(tmpdir(), 'pyme-bench-cluster-'))
const roots = [0, 1, 2].map((i) => join(base, `root${i}`))
let servers: DataServer[] = []
const startServers = async (): Promise<void> => {
  servers = await Promise.all(roots.map((root) => startDataServer({ root, port: 0, advertise: 'none', cluster: 'bench' })))
}
const stopServers = async (): Promise<void> => { await Promise.all(servers.map((s) => s.close())) }
const connect = async (): Promise<Cluster> => await Cluster.connect({
  cluster: 'bench', servers: servers.map((s) => s.url), registry: false, env: {}, fileCacheEntries: 0
})

try {
  // ── data ────────────────────────────────────────────────────────────────────────────────
  const tSetup = performance.now()
  for (const r of roots) await mkdir(join(r, SERIES), { recursive: true })
  const frame = Buffer.alloc(64, 7)
  await writeBatch(Array.from({ length: nFiles }, (_, i) => async () => {
    const p = join(roots[i % 3] as string, SERIES, `frame${String(i).padStart(5, '0')}.pzf`)
    await writeFile(p, frame, { mode: 0o440 })
  }))
  await writeFile(join(roots[0] as string, SERIES, 'metadata.json'), '{}', { mode: 0o440 })
  const bigData = Buffer.alloc(BIG)
  for (let i = 0; i < BIG; i += 4096) bigData[i] = i & 0xff
  const bigPaths: string[] = []
  for (let i = 0; i < nBig; i++) {
    const rel = `bench/big/b${String(i).padStart(3, '0')}.bin`
    const abs = join(roots[i % 3] as string, rel)
    await mkdir(join(roots[i % 3] as string, 'bench/big'), { recursive: true })
    await writeFile(abs, bigData)
    await chmod(abs, 0o440)
    bigPaths.push(rel)
  }
  console.log(`setup: ${nFiles} series files + ${nBig} x 4 MiB over 3 roots in ${((performance.now() - tSetup) / 1000).toFixed(1)} s`)
  console.log(`machine: ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)

  // ── listdir ─────────────────────────────────────────────────────────────────────────────
  const readdirUnion = async (): Promise<number> => {
    const lists = await Promise.all(roots.map((r) => readdir(join(r, SERIES))))
    const names = new Set<string>()
    for (const l of lists) for (const n of l) names.add(n)
    return names.size
  }
  await readdirUnion()
  const baseList: number[] = []
  for (let i = 0; i < runs; i++) baseList.push(await time(readdirUnion))

  const cold: number[] = []
  const newClient: number[] = []
  const warm: number[] = []
  let count = 0
  for (let i = 0; i < runs; i++) {
    await startServers()
    const c = await connect()
    cold.push(await time(async () => { count = (await c.listdir(SERIES)).length }))
    await c.close()
    const c2 = await connect()
    newClient.push(await time(() => c2.listdir(SERIES)))
    for (let k = 0; k < 3; k++) warm.push(await time(() => c2.listdir(SERIES)))
    await c2.close()
    await stopServers()
  }
  if (count !== nFiles + 1) throw new Error(`listdir returned ${count} names, expected ${nFiles + 1}`)
  const b = median(baseList)
  console.log(`\nlistdir of a ${nFiles}-file series over 3 servers (median of ${runs}; ${count} names):`)
  console.log(`  baseline fs.readdir x3 + union      ${b.toFixed(1).padStart(8)} ms`)
  console.log(`  cold (servers and client)           ${median(cold).toFixed(1).padStart(8)} ms   ${(median(cold) / b).toFixed(1)}x baseline`)
  console.log(`  new client, warm servers            ${median(newClient).toFixed(1).padStart(8)} ms   ${(median(newClient) / b).toFixed(1)}x baseline`)
  console.log(`  warm (client cache, < 1 s old)      ${median(warm).toFixed(2).padStart(8)} ms   ${(median(warm) / b).toFixed(4)}x baseline`)

  // ── getFile ─────────────────────────────────────────────────────────────────────────────
  await startServers()
  const local = await Cluster.connect({ cluster: 'bench', servers: servers.map((s) => s.url), registry: false, env: {}, fileCacheEntries: 0 })
  const http = await Cluster.connect({ cluster: 'bench', servers: servers.map((s) => s.url), registry: false, env: {}, fileCacheEntries: 0, localBypass: false })
  const absPaths = bigPaths.map((p, i) => join(roots[i % 3] as string, p))
  const mb = (nBig * BIG) / 1e6
  const pass = async (read: (i: number) => Promise<Buffer>, concurrency: number): Promise<number> => {
    let next = 0
    const worker = async (): Promise<void> => {
      for (let i = next++; i < nBig; i = next++) {
        const buf = await read(i)
        if (buf.length !== BIG) throw new Error(`short read of ${bigPaths[i] ?? '?'}`)
      }
    }
    const ms = await time(() => Promise.all(Array.from({ length: concurrency }, worker)))
    return mb / (ms / 1000)
  }
  const rate = async (read: (i: number) => Promise<Buffer>, concurrency: number): Promise<number> => {
    await pass(read, concurrency)
    const rates: number[] = []
    for (let r = 0; r < runs; r++) rates.push(await pass(read, concurrency))
    return median(rates)
  }
  console.log(`\ngetFile of ${nBig} x 4 MiB files over 3 servers (MB/s, median of ${runs}):`)
  for (const concurrency of [1, 4]) {
    const fsRate = await rate((i) => readFile(absPaths[i] as string), concurrency)
    const bypassRate = await rate((i) => local.getFile(bigPaths[i] as string), concurrency)
    const httpRate = await rate((i) => http.getFile(bigPaths[i] as string), concurrency)
    console.log(`  ${concurrency} at a time: baseline fs.readFile ${fsRate.toFixed(0).padStart(6)}   local bypass ${bypassRate.toFixed(0).padStart(6)} (${(bypassRate / fsRate).toFixed(2)}x)   HTTP ${httpRate.toFixed(0).padStart(6)} (${(httpRate / fsRate).toFixed(2)}x)`)
  }
  await local.close()
  await http.close()
  await stopServers()
  console.log(`\nload after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
} finally {
  await stopServers().catch(() => {})
  await rm(base, { recursive: true, force: true })
}
