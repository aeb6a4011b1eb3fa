/**
 * `NodeMonitor`: the data servers as the console shows them, from `Cluster.status()` polled
 * every `intervalMs` (one poll at a time, never overlapping, whatever the number of browsers
 * watching). The live write rate of a node is the growth of its disk's used bytes between two
 * polls (servers that share one file system show the same rate: it is the disk's).
 */
import type { Cluster } from '../cluster/cluster.js'
import type { NodeStatus } from '../cluster/cluster-types.js'
import { checkOptionsObject, durationOption } from '../internal/options.js'
import type { NodeView } from './api-types.js'
import type { DavQuota } from './dav-props.js'

/** Options of `NodeMonitor`. */
export interface NodeMonitorOptions {
  /** Time between polls, ms, 100 to 3600000. @default 2000 */
  readonly intervalMs?: number
}

interface Sample { readonly used: number, readonly at: number }

export class NodeMonitor {
  readonly #cluster: Cluster
  readonly #intervalMs: number
  readonly #previous = new Map<string, Sample>()
  #nodes: readonly NodeView[] = []
  #polledAt = 0
  #polling: Promise<readonly NodeView[]> | null = null
  #timer: NodeJS.Timeout | null = null
  #closed = false

  constructor (cluster: Cluster, options: NodeMonitorOptions = {}) {
    this.#cluster = cluster
    checkOptionsObject(options, { intervalMs: true } satisfies Record<keyof NodeMonitorOptions, true>)
    this.#intervalMs = durationOption(options.intervalMs, 'intervalMs', { min: 100, max: 3_600_000, default: 2000 })
  }

  /** Starts polling (the first poll at once). */
  start (): void {
    if (this.#closed || this.#timer !== null || this.#polling !== null) return
    void this.#poll().catch(() => {})
  }

  /** The nodes as of the last poll (waits for the first one). */
  async nodes (): Promise<readonly NodeView[]> {
    if (this.#polledAt === 0) return await (this.#polling ?? this.#poll())
    return this.#nodes
  }

  /** Polls now (after a poll already running) and resolves to what that poll found. */
  async refresh (): Promise<readonly NodeView[]> {
    if (this.#polling !== null) await this.#polling.catch(() => {})
    if (this.#timer !== null) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    return await (this.#polling ?? this.#poll())
  }

  /** When the last poll finished (`Date.now()`), 0 before the first. */
  get polledAt (): number { return this.#polledAt }

  /** Free and used bytes summed over the nodes that answered, as of the last poll. */
  quota (): DavQuota | undefined {
    let available = 0
    let used = 0
    let any = false
    for (const n of this.#nodes) {
      if (n.disk === null) continue
      available += n.disk.free
      used += n.disk.used
      any = true
    }
    return any ? { available, used } : undefined
  }

  #poll (): Promise<readonly NodeView[]> {
    const run = (async () => {
      try {
        const statuses = await this.#cluster.status()
        const at = performance.now()
        this.#nodes = statuses.map((s) => this.#view(s, at))
        this.#polledAt = Date.now()
        return this.#nodes
      } finally {
        this.#polling = null
        if (!this.#closed) {
          this.#timer = setTimeout(() => {
            this.#timer = null
            void this.#poll().catch(() => {})
          }, this.#intervalMs)
          this.#timer.unref()
        }
      }
    })()
    this.#polling = run
    return run
  }

  #view (s: NodeStatus, at: number): NodeView {
    const url = s.server.url
    let writeRate: number | null = null
    if (s.disk !== undefined) {
      const prev = this.#previous.get(url)
      if (prev !== undefined && at > prev.at) writeRate = Math.max(0, (s.disk.used - prev.used) / ((at - prev.at) / 1000))
      this.#previous.set(url, { used: s.disk.used, at })
    }
    const cpu = s.cpuUsage
    const mem = s.memUsage?.['percent']
    return {
      name: s.server.name,
      url,
      address: s.server.address,
      port: s.server.port,
      local: s.server.local,
      responsive: s.responsive,
      error: s.error === undefined ? null : { code: s.error.code, message: s.error.message },
      cluster: s.cluster ?? null,
      computerName: s.computerName ?? null,
      disk: s.disk ?? null,
      load: cpu === undefined || cpu.length === 0 ? null : cpu.reduce((a, b) => a + b, 0) / cpu.length,
      cores: cpu === undefined ? null : cpu.length,
      memoryPercent: typeof mem === 'number' ? mem : null,
      uptime: s.uptime ?? null,
      writeRate
    }
  }

  /** Stops polling. */
  close (): void {
    this.#closed = true
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }
}
