/**
 * The soak's per-minute window: frames and bytes acknowledged, acknowledge latencies (from
 * `storeFrame` to the server's 200, taken from the `pyme:streamer:ack` channel), and at the
 * end of each minute the process's RSS, heap, active handles and open file descriptors, so a
 * leak or a slowdown shows as a trend down the table.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { readdirSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
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
  /** Heap in use after a full collection. */
  readonly heapMiB: number
  readonly handles: number
  /** The most common kinds of active resources, e.g. `Timeout 9, TCPSocketWrap 4`. */
  readonly handleKinds: string
  readonly fds: number
  /** Series finished, checked complete and rotated away in this window. */
  readonly series: number
}

function percentile (sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}

let gc: (() => void) | null = null

/** A full collection (the flag is set at run time: the npm script does not pass --expose-gc). */
function collectGarbage (): void {
  if (gc === null) {
    setFlagsFromString('--expose-gc')
    gc = runInNewContext('gc') as () => void
  }
  gc()
}

function kinds (resources: readonly string[]): string {
  const counts = new Map<string, number>()
  for (const r of resources) counts.set(r, (counts.get(r) ?? 0) + 1)
  return [...counts].sort((x, y) => y[1] - x[1]).slice(0, 3).map(([k, n]) => `${k} ${n}`).join(', ')
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
    // Live heap: collected first, so garbage not yet collected does not look like a leak.
    collectGarbage()
    const mem = process.memoryUsage()
    const resources = process.getActiveResourcesInfo()
    const row: MinuteRow = {
      label: this.#label,
      minute: partial ? `${this.#minute - 1} + ${secs.toFixed(0)} s` : String(this.#minute),
      frames,
      fps: frames / secs,
      pixelMBs: (frames * this.#pixelBytes) / secs / 1e6,
      wireMBs: this.#bytes / secs / 1e6,
      p50: percentile(lat, 0.5),
      p99: percentile(lat, 0.99),
      max: lat.length === 0 ? 0 : lat[lat.length - 1] as number,
      rssMiB: mem.rss / 1048576,
      heapMiB: mem.heapUsed / 1048576,
      handles: resources.length,
      handleKinds: kinds(resources),
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

export const MINUTE_HEAD = '| phase | minute | frames | fps | MB/s pixels | MB/s wire | ack p50 ms | ack p99 ms | ack max ms | RSS MiB | live heap MiB | active handles (top kinds) | fds | series |'

/** A Markdown table row. */
export function formatRow (r: MinuteRow): string {
  return `| ${r.label} | ${r.minute} | ${r.frames} | ${r.fps.toFixed(1)} | ${r.pixelMBs.toFixed(0)} | ${r.wireMBs.toFixed(0)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} | ${r.rssMiB.toFixed(0)} | ${r.heapMiB.toFixed(1)} | ${r.handles} (${r.handleKinds}) | ${r.fds} | ${r.series} |`
}
