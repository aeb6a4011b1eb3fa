/**
 * The acquiring client of the fault suite, run as its own process (inside the client's
 * network namespace when there is one): a camera at `fps` streams a series through
 * `ClusterBackend`, found by mDNS when it answers for every node (else the static list),
 * while the controller breaks things. Prints progress lines (stats of the Streamer, RSS), stops
 * at `holds` until released, optionally uploads a big file slowly next to the series, and
 * writes a `ClientResult` (report, every acknowledgement by node, peak memory) to `out`.
 *
 *   node --import=@tapjs/typescript/import test/faults/acquire-main.ts '<AcquireConfig json>'
 */
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { performance } from 'node:perf_hooks'
import { request } from 'undici'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { Cluster } from '../../lib/cluster/cluster.js'
import { encodeClusterPath } from '../../lib/internal/cluster-path.js'
import type { AcquireConfig, BigFileSpec, ClientResult } from './fault-config.js'
import { bigFileChunks, faultFrame } from './fault-frames.js'
import { ClientMeter, emit, HoldGate, readConfig, reportOf, summariseStream, wireError, writeResult } from './client-io.js'

const cfg = readConfig<AcquireConfig>()
const started = performance.now()
const meter = new ClientMeter()
const gate = new HoldGate()
emit({ type: 'start', pid: process.pid })

async function connectByMdns (): Promise<{ cluster?: Cluster, discovery: string }> {
  const m = cfg.mdns
  if (m === undefined) return { discovery: 'static' }
  try {
    const cluster = await Cluster.connect({
      cluster: m.cluster,
      mdns: { interface: m.interface },
      registry: false,
      env: {},
      minServers: cfg.servers.length,
      discoveryTimeoutMs: m.timeoutMs,
      probeIntervalMs: 1000,
      probeTimeoutMs: 1000
    })
    const found = cluster.servers().map((s) => s.url).sort()
    if (found.join() === [...cfg.servers].sort().join()) return { cluster, discovery: 'mdns' }
    await cluster.close()
    return { discovery: `static (mDNS found ${found.length} other servers)` }
  } catch (err) {
    return { discovery: `static (mDNS: ${wireError(err).code})` }
  }
}

/** PUTs the big file at its pace; the controller kills this process while it is in flight. */
async function uploadBigFile (b: BigFileSpec, onStart: () => void): Promise<void> {
  async function * paced (): AsyncGenerator<Buffer> {
    const t0 = performance.now()
    let sent = 0
    for (const chunk of bigFileChunks(b.seed, b.bytes)) {
      for (let off = 0; off < chunk.length; off += 256 * 1024) {
        const piece = chunk.subarray(off, Math.min(chunk.length, off + 256 * 1024))
        if (sent === 0) onStart()
        if (b.bytesPerSecond > 0) {
          const due = t0 + (sent / b.bytesPerSecond) * 1000
          const wait = due - performance.now()
          if (wait > 1) await sleep(wait)
        }
        sent += piece.length
        yield piece
      }
    }
  }
  const res = await request(new URL(encodeClusterPath(b.path), b.server), {
    method: 'PUT',
    body: Readable.from(paced()),
    headers: { 'content-length': String(b.bytes) }
  })
  await res.body.dump()
  emit({ type: 'big-done', status: res.statusCode })
}

const { cluster, discovery } = await connectByMdns()
const backend = new ClusterBackend(cfg.series, {
  shape: [cfg.width, cfg.height],
  sequenceId: cfg.sequenceId,
  ...(cluster === undefined ? { servers: cfg.servers } : { cluster }),
  overflow: cfg.overflow,
  memoryBudget: cfg.memoryBudget,
  maxPendingFrames: cfg.maxPendingFrames,
  maxPendingBytes: cfg.maxPendingBytes,
  discoveryTimeoutMs: 10_000,
  streamer: {
    ackTimeoutMs: cfg.ackTimeoutMs,
    backoff: { minMs: 50, maxMs: cfg.backoffMaxMs },
    closeTimeoutMs: 120_000,
    ...(cfg.spillDir === undefined ? {} : { spillDir: cfg.spillDir })
  }
})
await backend.initialize()
const streamer = backend.streamer
if (streamer === null) throw new Error('initialize() resolved without a Streamer')
const nodeEvents: Array<[number, string, string]> = []
const at = (): number => Math.round(performance.now() - started)
streamer.on('node-down', (e) => nodeEvents.push([at(), e.url, e.state]))
streamer.on('node-up', (e) => nodeEvents.push([at(), e.url, 'up']))

let frames = 0
let bigStarted = false
let peakPending = 0
const warmAt = Math.floor(cfg.frames / 10)
const heapEvery = Math.max(1, Math.floor(cfg.frames / 20))
const progress = (): void => {
  const s = streamer.stats()
  if (s.pending > peakPending) peakPending = s.pending
  emit({
    type: 'progress',
    frames,
    stored: backend.stats().framesStored,
    spilled: s.spilled,
    spillPending: s.spillPending,
    parked: s.parked,
    rerouted: s.rerouted,
    retries: s.retries,
    bufferedBytes: s.bufferedBytes,
    peakBufferedBytes: s.peakBufferedBytes,
    rss: meter.rss.sample(),
    nodes: Object.fromEntries(s.nodes.map((n) => [n.url, n.state])),
    bigStarted
  })
}
const ticker = setInterval(progress, cfg.progressMs)

const holds = new Set(cfg.holds)
let big: Promise<void> | null = null
let t0 = performance.now()
for (let n = 0; n < cfg.frames; n++) {
  if (holds.has(n)) {
    progress()
    await gate.hold(n)
    t0 = performance.now() - (n * 1000) / cfg.fps
  }
  if (cfg.bigFile !== undefined && n === cfg.bigFile.atFrame) {
    big = uploadBigFile(cfg.bigFile, () => { bigStarted = true })
    big.catch((err: unknown) => { emit({ type: 'big-failed', error: wireError(err) }) })
  }
  if (cfg.fps > 0 && n % 8 === 0) {
    const wait = t0 + (n * 1000) / cfg.fps - performance.now()
    if (wait > 1) await sleep(wait)
  }
  if (!backend.storeFrame(n, faultFrame(cfg, n))) await backend.ready()
  frames = n + 1
  if (n === warmAt) meter.warm()
  else if (n > warmAt && n % heapEvery === 0) meter.heap.sample()
}
backend.logEvent('StartAq')
backend.logEvent('StopAq', String(cfg.frames))
meter.heap.sample()
const report = await reportOf(backend.finalize())
await backend.close()
await cluster?.close()
await big?.catch(() => {})
clearInterval(ticker)
progress()
const result: ClientResult = {
  discovery,
  framesAccepted: frames,
  framesStored: report.frames,
  complete: report.complete,
  files: report.files,
  bytes: report.bytes,
  failed: report.failed.map((f) => ({ name: f.name, error: wireError(f.error) })),
  stream: summariseStream(report.stream),
  nodeEvents,
  peakPending,
  pixelWindow: cfg.maxPendingBytes,
  ...meter.fields(streamer)
}
writeResult(cfg.out, result)
gate.close()
emit({ type: 'done' })
