/**
 * One phase of the soak: a camera of `width x height` uint16 frames at `fps` (0 = as fast as
 * the backend takes them) streams series after series through `ClusterBackend` for `seconds`.
 * Each series of `framesPerSeries` frames is finalized, checked complete with `SeriesReader`
 * (events.json present, every frame listed) and then rotated off the tmpfs roots. One encoder
 * pool serves every series (workers start once). Prints a table row per minute.
 *
 * Baseline from the same run: the same frames encoded on the same pool with nothing else
 * going on, which bounds what the whole path (encode, HTTP, disk, acknowledgement) can do.
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'
import { PzfEncoderPool } from '../../lib/pzf/pzf-encoder-pool.js'
import { frameFileName } from '../../lib/internal/series-layout.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import { MinuteWindow, type MinuteRow } from './minute-window.js'
import type { SoakServers } from './soak-servers.js'

export interface PhaseOptions {
  readonly label: string
  readonly width: number
  readonly height: number
  /** Camera rate; 0 = the highest rate the backend takes. */
  readonly fps: number
  readonly seconds: number
  readonly framesPerSeries: number
  readonly servers: SoakServers
  readonly pool: PzfEncoderPool
  readonly onRow: (row: MinuteRow) => void
}

export interface PhaseResult {
  readonly rows: MinuteRow[]
  readonly frames: number
  readonly fps: number
  readonly series: number
  readonly incomplete: string[]
  /** Encode-only frames per second on the same pool (the baseline). */
  readonly encodeFps: number
  /** Time between series (finalize, check, rotate), total ms. */
  readonly betweenSeriesMs: number
}

/** Distinct frames to cycle through (simulating each frame would cost the camera thread). */
function frameRing (w: number, h: number): Uint16Array[] {
  return Array.from({ length: 8 }, (_, i) => makeCameraFrame(w, h, { seed: 2024, frame: i }))
}

async function encodeBaseline (pool: PzfEncoderPool, ring: readonly Uint16Array[], w: number, h: number, seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000
  let done = 0
  const t0 = performance.now()
  const lane = async (): Promise<void> => {
    for (let i = 0; performance.now() < end; i++) {
      const f = ring[i % ring.length] as Uint16Array
      await pool.encode(f.slice(), { shape: [w, h], dimOrder: 'F', compression: 'huffman', frameNum: i }, { transfer: true })
      done++
    }
  }
  await Promise.all(Array.from({ length: pool.size * 2 }, lane))
  return done / ((performance.now() - t0) / 1000)
}

export async function runPhase (o: PhaseOptions): Promise<PhaseResult> {
  const ring = frameRing(o.width, o.height)
  const encodeFps = await encodeBaseline(o.pool, ring, o.width, o.height, 10)
  const window = new MinuteWindow(o.label, o.width * o.height * 2)
  const rows: MinuteRow[] = []
  const minuteTimer = setInterval(() => {
    const row = window.close()
    rows.push(row)
    o.onRow(row)
  }, 60_000)
  const t0 = performance.now()
  const end = t0 + o.seconds * 1000
  let frames = 0
  let series = 0
  let between = 0
  const incomplete: string[] = []
  try {
    while (performance.now() < end) {
      const name = `soak/${o.label.replace(/[^A-Za-z0-9_.-]/g, '_')}/series_${String(series).padStart(4, '0')}.pcs`
      const backend = new ClusterBackend(name, { shape: [o.width, o.height], servers: o.servers.urls, pool: o.pool })
      await backend.initialize()
      let n = 0
      const s0 = performance.now()
      for (; n < o.framesPerSeries && performance.now() < end; n++) {
        if (o.fps > 0) {
          const wait = s0 + (n * 1000) / o.fps - performance.now()
          if (wait > 1) await sleep(wait)
        }
        window.started(`${name}/${frameFileName(n)}`)
        if (!backend.storeFrame(n, ring[n % ring.length] as Uint16Array)) await backend.ready()
      }
      const b0 = performance.now()
      const report = await backend.close()
      frames += report.frames
      // A client per check, as a reader of each finished series would be: one long-lived
      // client's listing cache keeps every name it listed (up to listingCacheNames), which would
      // show here as heap growth that is not the acquisition's.
      const reader = await SeriesReader.open(`PYME-CLUSTER:///${name}`, {
        cluster: { servers: o.servers.urls, registry: false, mdns: false, env: {}, fileCacheEntries: 0 }, settleMs: 0, settleAttempts: 1
      })
      if (!reader.isComplete || reader.frameCount !== n || reader.missingFrames.length > 0 || report.frames !== n) {
        incomplete.push(`${name}: complete ${String(reader.isComplete)}, ${reader.frameCount} of ${n} frames`)
      }
      await reader.close()
      await o.servers.rotate(name)
      between += performance.now() - b0
      window.seriesDone()
      series++
    }
  } finally {
    clearInterval(minuteTimer)
  }
  const last = window.close(true)
  if (last.frames > 0) {
    rows.push(last)
    o.onRow(last)
  }
  window.dispose()
  return { rows, frames, fps: frames / ((performance.now() - t0) / 1000), series, incomplete, encodeFps, betweenSeriesMs: between }
}
