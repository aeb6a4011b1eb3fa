/**
 * The soak's per-minute window: frames and bytes acknowledged, acknowledge latencies (from
 * `storeFrame` to the server's 200, taken from the `pyme:streamer:ack` channel), and at the
 * end of each minute the process's RSS, heap, active handles and open file descriptors, so a
 * leak or a slowdown shows as a trend down the table.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { readdirSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import type { Ack } from '../../lib/streamer/stream-item.js'

/** One row of the table. */
export interface MinuteRow {
  readonly label: string
  /** Minute number (1-based); a last, partial window has a fraction. */
  readonly minute: string
  readonly frames: number
  readonly fps: number
  /** MB/s of camera pixels and of encoded bytes acknowledged. */
  readonly pixelMBs: number
  readonly wireMBs: number
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly rssMiB: number
  readonly heapMiB: number
  readonly handles: number
  readonly fds: number
  /** Series finished, checked complete and rotated away in this window. */
  readonly series: number
}

function percentile (sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}

function openFds (): number {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return -1
  }
}

export class MinuteWindow {
  readonly #label: string
  readonly #pixelBytes: number
  readonly #starts = new Map<string, number>()
  #latencies: number[] = []
  #bytes = 0
  #series = 0
  #opened = performance.now()
  #minute = 0
  readonly #onAck = (m: unknown): void => {
    const ack = m as Ack
    const t = this.#starts.get(ack.path)
    if (t === undefined) return
    this.#starts.delete(ack.path)
    this.#latencies.push(performance.now() - t)
    this.#bytes += ack.bytes
  }

  constructor (label: string, pixelBytes: number) {
    this.#label = label
    this.#pixelBytes = pixelBytes
    subscribe('pyme:streamer:ack', this.#onAck)
  }

  /** A frame file was given to the backend now. */
  started (path: string): void {
    this.#starts.set(path, performance.now())
  }

  seriesDone (): void {
    this.#series++
  }

  /** Closes the current window and opens the next. */
  close (partial = false): MinuteRow {
    const now = performance.now()
    const secs = (now - this.#opened) / 1000
    this.#minute++
    const lat = Float64Array.from(this.#latencies).sort()
    const frames = lat.length
    const mem = process.memoryUsage()
    const row: MinuteRow = {
      label: this.#label,
      minute: partial ? `${this.#minute - 1 + Math.round((secs / 60) * 10) / 10}` : String(this.#minute),
      frames,
      fps: frames / secs,
      pixelMBs: (frames * this.#pixelBytes) / secs / 1e6,
      wireMBs: this.#bytes / secs / 1e6,
      p50: percentile(lat, 0.5),
      p99: percentile(lat, 0.99),
      max: lat.length === 0 ? 0 : lat[lat.length - 1] as number,
      rssMiB: mem.rss / 1048576,
      heapMiB: mem.heapUsed / 1048576,
      handles: process.getActiveResourcesInfo().length,
      fds: openFds(),
      series: this.#series
    }
    this.#latencies = []
    this.#bytes = 0
    this.#series = 0
    this.#opened = now
    return row
  }

  dispose (): void {
    unsubscribe('pyme:streamer:ack', this.#onAck)
  }
}

export const MINUTE_HEAD = '| phase | minute | frames | fps | MB/s pixels | MB/s wire | ack p50 ms | ack p99 ms | ack max ms | RSS MiB | heap MiB | handles | fds | series |'

/** A Markdown table row. */
export function formatRow (r: MinuteRow): string {
  return `| ${r.label} | ${r.minute} | ${r.frames} | ${r.fps.toFixed(1)} | ${r.pixelMBs.toFixed(0)} | ${r.wireMBs.toFixed(0)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} | ${r.rssMiB.toFixed(0)} | ${r.heapMiB.toFixed(0)} | ${r.handles} | ${r.fds} | ${r.series} |`
}
