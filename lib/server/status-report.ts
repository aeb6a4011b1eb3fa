/**
 * `GET /__status` (PROTOCOL.md §3.9.1): the keys PYME's server reports, in its order, plus
 * our own `Root`, `Cluster`, `ServerCPU` (this process's CPU time since start-up,
 * `process.cpuUsage()`, µs) and `Uploads` (write-once files committed since start-up and
 * their bytes), so that a bench reads the server's CPU per upload from two samples. Values
 * are sampled when asked (no background thread): CPU and network rates are measured since
 * the previous request (or since start-up).
 *
 * Linux figures come from /proc (as psutil reads them); elsewhere the `os` module's.
 */
import { readFile, statfs } from 'node:fs/promises'
import { cpus, freemem, totalmem } from 'node:os'

/** Static facts of the running server that the status shows. */
export interface StatusIdentity {
  readonly ipAddress: string
  readonly bindAddress: readonly [string, number]
  readonly port: number
  readonly testMode: boolean
  readonly computerName: string
  readonly root: string
  readonly cluster: string
}

interface CpuSample { readonly idle: number, readonly total: number }
interface NetSample { readonly at: number, readonly ifaces: Map<string, { rx: number, tx: number }> }

/** Python's `str(timedelta)`: `[D day[s], ]H:MM:SS[.ffffff]`. */
export function pythonTimedelta (ms: number): string {
  const totalUs = Math.max(0, Math.round(ms * 1000))
  const us = totalUs % 1_000_000
  const totalS = Math.floor(totalUs / 1_000_000)
  const days = Math.floor(totalS / 86400)
  const h = Math.floor((totalS % 86400) / 3600)
  const m = Math.floor((totalS % 3600) / 60)
  const s = totalS % 60
  let text = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`
  if (us !== 0) text += `.${String(us).padStart(6, '0')}`
  if (days !== 0) text = `${days} day${days === 1 ? '' : 's'}, ${text}`
  return text
}

function sampleCpus (): CpuSample[] {
  return cpus().map((c) => {
    const t = c.times
    return { idle: t.idle, total: t.user + t.nice + t.sys + t.idle + t.irq }
  })
}

async function readProc (path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  /* c8 ignore next 3: only where /proc does not exist (not Linux) */
  } catch {
    return undefined
  }
}

async function sampleNet (): Promise<NetSample> {
  const ifaces = new Map<string, { rx: number, tx: number }>()
  const text = await readProc('/proc/net/dev')
  for (const line of (text ?? '').split('\n').slice(2)) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line)
    if (m === null) continue
    const f = (m[2] as string).trim().split(/\s+/).map(Number)
    ifaces.set(m[1] as string, { rx: f[0] ?? 0, tx: f[8] ?? 0 })
  }
  return { at: performance.now(), ifaces }
}

async function memUsage (): Promise<Record<string, number>> {
  const text = await readProc('/proc/meminfo')
  /* c8 ignore next 5: the portable fallback for systems without /proc */
  if (text === undefined) {
    const total = totalmem()
    const free = freemem()
    return { total, available: free, percent: round1((total - free) / total * 100), used: total - free, free }
  }
  const kb = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line)
    if (m !== null) kb.set(m[1] as string, Number(m[2]) * 1024)
  }
  const get = (k: string): number => kb.get(k) ?? 0
  const total = get('MemTotal')
  const free = get('MemFree')
  const buffers = get('Buffers')
  const cached = get('Cached') + get('SReclaimable')
  const available = kb.get('MemAvailable') ?? free + buffers + cached
  let used = total - free - buffers - cached
  if (used < 0) used = total - free
  return {
    total,
    available,
    percent: total === 0 ? 0 : round1((total - available) / total * 100),
    used,
    free,
    active: get('Active'),
    inactive: get('Inactive'),
    buffers,
    cached,
    shared: get('Shmem'),
    slab: get('Slab')
  }
}

function round1 (x: number): number {
  return Math.round(x * 10) / 10
}

/** Builds `/__status` bodies; keeps the previous CPU and network samples for rates. */
export class StatusReport {
  readonly #id: StatusIdentity
  readonly #started = performance.now()
  #cpu: CpuSample[] = sampleCpus()
  #net: NetSample | undefined
  #uploads = 0
  #uploadBytes = 0

  constructor (identity: StatusIdentity) {
    this.#id = identity
  }

  /** Counts a committed write-once file of `bytes` bytes (the `Uploads` key). */
  uploadCommitted (bytes: number): void {
    this.#uploads++
    this.#uploadBytes += bytes
  }

  /** Takes the first network sample, so the first request reports a real rate. */
  async prime (): Promise<void> {
    this.#net = await sampleNet()
  }

  async body (): Promise<Buffer> {
    const id = this.#id
    const fsStats = await statfs(id.root)
    const cpu = sampleCpus()
    const usage = cpu.map((c, i) => {
      const prev = this.#cpu[i]
      const total = c.total - (prev?.total ?? 0)
      const idle = c.idle - (prev?.idle ?? 0)
      return total <= 0 ? 0 : round1((1 - idle / total) * 100)
    })
    this.#cpu = cpu
    const net = await sampleNet()
    const network: Record<string, { send: number, recv: number }> = {}
    const prev = this.#net
    const dt = prev === undefined ? 0 : (net.at - prev.at) / 1000
    for (const [name, v] of net.ifaces) {
      const p = prev?.ifaces.get(name)
      network[name] = p === undefined || dt <= 0
        ? { send: 0, recv: 0 }
        : { send: Math.max(0, (v.tx - p.tx) / dt), recv: Math.max(0, (v.rx - p.rx) / dt) }
    }
    this.#net = net
    const ownCpu = process.cpuUsage()
    const status = {
      IPAddress: id.ipAddress,
      BindAddress: id.bindAddress,
      Port: id.port,
      Protocol: '1.1',
      TestMode: id.testMode,
      ComputerName: id.computerName,
      Disk: {
        total: fsStats.blocks * fsStats.bsize,
        used: (fsStats.blocks - fsStats.bfree) * fsStats.bsize,
        free: fsStats.bavail * fsStats.bsize
      },
      Uptime: pythonTimedelta(performance.now() - this.#started),
      CPUUsage: usage,
      MemUsage: await memUsage(),
      Network: network,
      Root: id.root,
      Cluster: id.cluster,
      ServerCPU: { user: ownCpu.user, system: ownCpu.system },
      Uploads: { files: this.#uploads, bytes: this.#uploadBytes }
    }
    return Buffer.from(JSON.stringify(status))
  }
}
