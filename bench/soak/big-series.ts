/**
 * The long-series check of the soak ("worked great for 10k frames, strained at 20k, a
 * disaster at 40k" in PYME): one series of `frames` small camera frames through
 * `ClusterBackend` to the soak's servers, then the union listing, the completeness check and
 * the read-back of every frame (bit for bit), each timed.
 *
 * Baselines from the same run: `fs.readdir` of the series directory on every root (listing),
 * and `fs.readFile` of every frame file straight from the roots (read-back).
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { Cluster } from '../../lib/cluster/cluster.js'
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'
import type { PzfEncoderPool } from '../../lib/pzf/pzf-encoder-pool.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import type { SoakServers } from './soak-servers.js'

export interface BigSeriesResult {
  readonly frames: number
  readonly writeMs: number
  readonly listMs: number
  readonly listBaselineMs: number
  readonly listed: number
  readonly completeMs: number
  readonly complete: boolean
  readonly readMs: number
  readonly readBaselineMs: number
  readonly differing: number
  readonly missing: number
}

const W = 64
const H = 64

async function timed<T> (fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now()
  const v = await fn()
  return [v, performance.now() - t0]
}

export async function runBigSeries (servers: SoakServers, pool: PzfEncoderPool, frames: number): Promise<BigSeriesResult> {
  const name = 'soak/long/series_100k.pcs'
  const frame = (n: number): Uint16Array => makeCameraFrame(W, H, { seed: 99, frame: n })
  const [, writeMs] = await timed(async () => {
    const backend = new ClusterBackend(name, { shape: [W, H], servers: servers.urls, pool, transfer: true })
    await backend.initialize()
    for (let n = 0; n < frames; n++) if (!backend.storeFrame(n, frame(n))) await backend.ready()
    const report = await backend.close()
    if (report.frames !== frames || !report.complete) throw new Error(`only ${report.frames} of ${frames} frames stored`)
  })
  const cluster = await Cluster.connect({ servers: servers.urls, registry: false, mdns: false, env: {}, fileCacheEntries: 0 })
  try {
    const [listing, listMs] = await timed(() => cluster.listDirectory(name, { fresh: true }))
    const dirs = servers.servers.map((s) => join(s.root, ...name.split('/')))
    const [names, listBaselineMs] = await timed(async () => (await Promise.all(dirs.map((d) => readdir(d)))).flat())
    const [reader, completeMs] = await timed(() => SeriesReader.open(`PYME-CLUSTER:///${name}`, { cluster, settleMs: 0, settleAttempts: 1 }))
    let differing = 0
    let missing = 0
    const [, readMs] = await timed(async () => {
      let next = 0
      const lane = async (): Promise<void> => {
        for (let i = next++; i < frames; i = next++) {
          try {
            const f = await reader.getFrame(i)
            const want = frame(i)
            if (!Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength).equals(Buffer.from(want.buffer))) differing++
          } catch {
            missing++
          }
        }
      }
      await Promise.all(Array.from({ length: 16 }, lane))
    })
    const complete = reader.isComplete && reader.frameCount === frames
    await reader.close()
    const files = names.filter((n) => n.endsWith('.pzf'))
    const [, readBaselineMs] = await timed(async () => {
      let next = 0
      const lane = async (): Promise<void> => {
        for (let i = next++; i < files.length; i = next++) {
          const f = files[i] as string
          await Promise.any(dirs.map((d) => readFile(join(d, f))))
        }
      }
      await Promise.all(Array.from({ length: 16 }, lane))
    })
    return { frames, writeMs, listMs, listBaselineMs, listed: listing.entries.length, completeMs, complete, readMs, readBaselineMs, differing, missing }
  } finally {
    await cluster.close()
    await servers.rotate(name)
  }
}
