/**
 * The verifier of the fault suite, run where the clients run (the client's namespace): reads
 * each series back with `SeriesReader` (PYME-CLUSTER:// over the static node list), compares
 * every frame bit for bit with the one the camera made, reads the completion marker, checks
 * the big file, and asks every node for `/__status` and a listing (the servers kept serving).
 * Writes a `VerifyResult` to `out`.
 *
 *   node --import=@tapjs/typescript/import test/faults/verify-main.ts '<VerifyConfig json>'
 */
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { request } from 'undici'
import { Cluster } from '../../lib/cluster/cluster.js'
import { NotFoundError } from '../../lib/errors.js'
import { encodeClusterPath, splitClusterPath } from '../../lib/internal/cluster-path.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import type { SeriesCheck, SeriesSpec, VerifyConfig, VerifyResult, WireError } from './fault-config.js'
import { bigFileDigest, faultFrame } from './fault-frames.js'
import { readConfig, wireError, writeResult } from './client-io.js'

const cfg = readConfig<VerifyConfig>()

function sameBytes (a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

async function checkSeries (cluster: Cluster, spec: SeriesSpec): Promise<SeriesCheck> {
  const t0 = performance.now()
  const reader = await SeriesReader.open(`PYME-CLUSTER:///${spec.series}`, { cluster, settleMs: 200 })
  const missing: number[] = []
  const differing: number[] = []
  const unreadable: Array<{ index: number, error: WireError }> = []
  let next = 0
  const worker = async (): Promise<void> => {
    for (let i = next++; i < spec.frames; i = next++) {
      try {
        const f = await reader.getFrame(i)
        if (f.dimOrder !== 'F' || !sameBytes(f.data, faultFrame(spec, i))) differing.push(i)
      } catch (err) {
        if (err instanceof NotFoundError) missing.push(i)
        else unreadable.push({ index: i, error: wireError(err) })
      }
    }
  }
  await Promise.all(Array.from({ length: cfg.concurrency }, worker))
  const events = await reader.events()
  const check: SeriesCheck = {
    series: spec.series,
    complete: reader.isComplete,
    frameCount: reader.frameCount,
    missing: missing.sort((a, b) => a - b),
    differing: differing.sort((a, b) => a - b),
    unreadable,
    events: events.length,
    readMs: Math.round(performance.now() - t0)
  }
  await reader.close()
  return check
}

async function serving (url: string, dir: string): Promise<{ status: number, listing: number, error?: string }> {
  try {
    const status = await request(new URL('__status', url), { headersTimeout: 5000, bodyTimeout: 5000 })
    await status.body.dump()
    const listing = await request(new URL(encodeClusterPath(dir) + '/', url), { headersTimeout: 5000, bodyTimeout: 5000 })
    await listing.body.dump()
    return { status: status.statusCode, listing: listing.statusCode }
  } catch (err) {
    return { status: 0, listing: 0, error: wireError(err).message }
  }
}

const cluster = await Cluster.connect({ servers: cfg.servers, registry: false, mdns: false, env: {}, minServers: cfg.servers.length, fileCacheEntries: 0 })
const series: SeriesCheck[] = []
for (const spec of cfg.series) series.push(await checkSeries(cluster, spec))
let bigFile: VerifyResult['bigFile']
if (cfg.bigFile !== undefined) {
  const b = cfg.bigFile
  if (await cluster.exists(b.path)) {
    const bytes = await cluster.getFile(b.path, { timeoutMs: 30_000 })
    bigFile = { present: true, bytes: bytes.length, matches: createHash('sha256').update(bytes).digest('hex') === bigFileDigest(b.seed, b.bytes) }
  } else {
    bigFile = { present: false, bytes: 0, matches: false }
  }
}
await cluster.close()
const parent = splitClusterPath(cfg.series[0]?.series ?? '')[0] ?? ''
const answers = await Promise.all(cfg.servers.map(async (url) => [url, await serving(url, parent)] as const))
const result: VerifyResult = { series, serving: Object.fromEntries(answers), ...(bigFile === undefined ? {} : { bigFile }) }
writeResult(cfg.out, result)
