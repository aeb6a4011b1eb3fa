/**
 * Streamer throughput: frames/s and MB/s to 1 and 2 data servers in child processes (so client
 * and servers do not share an event loop), data roots on tmpfs and on disk, next to a
 * hand-written raw-socket pipelined PUT client sending the same bytes to the same servers (the
 * ceiling), as a ratio. Also PZF Huffman encoding on the worker pool.
 *
 *   npm run bench:stream -- [--seconds 3] [--rounds 2] [--quick] [--case 512] [--pipelining 16]
 *                           [--connections 1] [--threads <cores>]
 *
 * Each variant runs `rounds` times, alternating which goes first, each run on fresh server
 * processes and fresh roots; the best run of each is printed (external load only slows runs).
 *
 * Never a pass/fail gate: it prints numbers and the machine's load.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir, cpus } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startServerProcess, type ServerProcess } from '../../test/helpers/server-process.js'
import { encodePzf } from '../../lib/pzf/index.js'
import { Streamer } from '../../lib/streamer/streamer.js'
import { rawPutRun } from './raw-put-client.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    case: { type: 'string' },
    pipelining: { type: 'string', default: '16' },
    connections: { type: 'string', default: '1' },
    threads: { type: 'string', default: String(Math.max(1, cpus().length)) },
    rounds: { type: 'string', default: '2' }
  }
})
const seconds = values.quick ? 1 : Number(values.seconds)
const pipelining = Number(values.pipelining)
const connections = Number(values.connections)
const threads = Number(values.threads)
const rounds = values.quick ? 1 : Number(values.rounds)

interface Case {
  readonly name: string
  readonly side: number
  readonly servers: 1 | 2
  readonly medium: 'tmpfs' | 'disk'
  readonly huffman: boolean
}

const all: Case[] = [
  { name: '2048² raw, 1 server, tmpfs', side: 2048, servers: 1, medium: 'tmpfs', huffman: false },
  { name: '2048² raw, 2 servers, tmpfs', side: 2048, servers: 2, medium: 'tmpfs', huffman: false },
  { name: '2048² raw, 1 server, disk', side: 2048, servers: 1, medium: 'disk', huffman: false },
  { name: '512² raw, 1 server, tmpfs', side: 512, servers: 1, medium: 'tmpfs', huffman: false },
  { name: '512² raw, 2 servers, tmpfs', side: 512, servers: 2, medium: 'tmpfs', huffman: false },
  { name: '512² raw, 1 server, disk', side: 512, servers: 1, medium: 'disk', huffman: false },
  { name: '256² raw, 1 server, tmpfs', side: 256, servers: 1, medium: 'tmpfs', huffman: false },
  { name: '256² raw, 2 servers, tmpfs', side: 256, servers: 2, medium: 'tmpfs', huffman: false },
  { name: '512² Huffman (pool), 1 server, tmpfs', side: 512, servers: 1, medium: 'tmpfs', huffman: true },
  { name: '512² Huffman (pool), 2 servers, tmpfs', side: 512, servers: 2, medium: 'tmpfs', huffman: true }
]
const quickNames = new Set(['2048² raw, 1 server, tmpfs', '512² raw, 1 server, tmpfs', '256² raw, 1 server, tmpfs', '512² Huffman (pool), 1 server, tmpfs'])
const cases = all.filter((c) => (!values.quick || quickNames.has(c.name)) && (values.case === undefined || c.name.includes(values.case)))

/** A camera-like uint16 frame: an offset plus noise (compressible, as real frames are). */
function cameraFrame (side: number, seed: number): Uint16Array {
  const a = new Uint16Array(side * side)
  let x = seed * 2654435761 >>> 0
  for (let i = 0; i < a.length; i++) {
    x = (x * 1664525 + 1013904223) >>> 0
    a[i] = 100 + (x >>> 27)
  }
  return a
}

interface Measured { frames: number, bytes: number, seconds: number }

async function runStreamer (c: Case, urls: string[], frame: Uint16Array, body: Buffer): Promise<Measured> {
  const s = new Streamer({
    servers: urls,
    pipelining,
    connections,
    memoryBudget: 256 * 1024 * 1024,
    ...(c.huffman ? { filter: { pzf: { shape: [c.side, c.side] as [number, number], compression: 'huffman' as const } }, encoderThreads: threads } : {})
  })
  const started = performance.now()
  const deadline = started + seconds * 1000
  let i = 0
  while (performance.now() < deadline) {
    const name = `bench/s/frame${String(i).padStart(5, '0')}.pzf`
    const ok = c.huffman
      ? s.putFrame(name, frame, { index: i }) // copies the pixels once, as a camera buffer would be
      : s.put(name, body, { index: i }) // the same bytes every time: sent as they are, never modified
    i++
    if (!ok) await s.ready()
  }
  const report = await s.close()
  return { frames: report.files, bytes: report.bytes, seconds: (performance.now() - started) / 1000 }
}

function fmt (m: Measured): string {
  return `${(m.frames / m.seconds).toFixed(0).padStart(6)} fps ${(m.bytes / m.seconds / 1e6).toFixed(0).padStart(5)} MB/s`
}

/** Fresh servers on fresh roots for one measurement; everything removed afterwards. */
async function withServers<T> (c: Case, fn: (urls: string[]) => Promise<T>): Promise<T> {
  const base = c.medium === 'tmpfs' ? '/dev/shm' : tmpdir()
  const roots: string[] = []
  const servers: ServerProcess[] = []
  try {
    for (let k = 0; k < c.servers; k++) {
      const root = await mkdtemp(join(base, 'pyme-bench-'))
      roots.push(root)
      servers.push(await startServerProcess({ root }))
    }
    return await fn(servers.map((s) => s.url))
  } finally {
    await Promise.all(servers.map((s) => s.stop()))
    for (const r of roots) await rm(r, { recursive: true, force: true })
  }
}

function best (runs: Measured[]): Measured {
  return runs.reduce((a, b) => (b.frames / b.seconds > a.frames / a.seconds ? b : a))
}

console.log(`streamer bench: ${seconds} s per run, best of ${rounds}, pipelining ${pipelining}, connections ${connections}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
for (const c of cases) {
  const frame = cameraFrame(c.side, 1)
  const pixels = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)
  // The ceiling sends what the streamer sends: raw bytes, or one encoded PZF file.
  const body = c.huffman ? Buffer.from(encodePzf(frame, { shape: [c.side, c.side], compression: 'huffman' })) : pixels
  // The ceiling gets the streamer's window: `pipelining` requests, at most 64 MiB (its default
  // windowBytes) per node, at least one.
  const window = Math.max(1, Math.min(pipelining, Math.floor(64 * 1024 * 1024 / connections / body.length)))
  const streamed: Measured[] = []
  const raws: Measured[] = []
  let errors = 0
  // Alternate the order each round, each run on fresh servers: external load and a filling
  // tmpfs then hurt both sides alike.
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 === 0 ? ['raw', 'streamer'] : ['streamer', 'raw']) {
      await withServers(c, async (urls) => {
        await rawPutRun(urls, 'bench/warm', body, Math.min(0.3, seconds), window, connections)
        if (which === 'raw') {
          const m = await rawPutRun(urls, 'bench/r', body, seconds, window, connections)
          errors += m.errors
          raws.push(m)
        } else {
          streamed.push(await runStreamer(c, urls, frame, pixels))
        }
      })
    }
  }
  const s = best(streamed)
  const raw = best(raws)
  const ratio = (s.frames / s.seconds) / (raw.frames / raw.seconds)
  console.log(`${c.name.padEnd(40)} streamer ${fmt(s)} | raw ${fmt(raw)} | ratio ${(ratio * 100).toFixed(0)} %${errors > 0 ? ` (raw errors ${errors})` : ''}`)
}
console.log(`load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
