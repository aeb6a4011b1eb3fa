/**
 * The live set of data servers of one cluster (PROTOCOL.md §4.3–§4.6).
 *
 * Sources (mDNS, PYME's SQLite registry, a static list) announce *candidates*; a candidate
 * joins the set only after a TCP probe answers, and is re-probed every `probeIntervalMs`:
 * a server that stops answering leaves the set ('remove') and comes back when it answers
 * again ('add'). Registry rows are never trusted without a probe (PYME trusts them forever).
 *
 *   source ──upsert/remove──▶ candidates ──probe──▶ live set ──diff──▶ 'add' / 'remove'
 *                                   ▲                   │
 *                                   └── every 10 s ─────┘
 *
 * Order is deterministic: servers on this machine first (address local, or PYME's rule:
 * the instance name contains the computer name), then by name. On a name seen by two
 * sources, static wins over mDNS, and mDNS over the registry (PYME's hybrid name service).
 */
import { EventEmitter } from 'node:events'
import { debuglog } from 'node:util'
import { ClosedError, InvalidArgumentError, NoServersError } from '../errors.js'
import { checkOptionsObject, durationOption, integerOption, type OptionKeys } from '../internal/options.js'
import { MAX_TIMER_MS } from '../internal/timer-limit.js'
import { compareNames } from '../internal/cluster-path.js'
import { isLocalAddress } from './local-address.js'
import { serverUrl } from '../internal/server-address.js'
import { tcpProbe, type ProbeResult } from './tcp-probe.js'

const debug = debuglog('pyme')

/** Where a server was found. */
export type DiscoverySourceKind = 'mdns' | 'registry' | 'static'

/** A data server in the live set: probed, answering. */
export interface DataServerInfo {
  /** Instance name (`PYMEDataServer [<cluster>]:<computer> - PID:<pid>`); `<address>:<port>` for static servers. */
  readonly name: string
  /** `http://<address>:<port>/` */
  readonly url: string
  readonly address: string
  readonly port: number
  readonly source: DiscoverySourceKind
  /** The address belongs to this machine. */
  readonly local: boolean
}

/**
 * A server some source announced, answering or not (`NodeDirectory.known()`): what `status`
 * lists, so that a server that stopped answering is shown as such instead of left out.
 */
export interface KnownServer extends DataServerInfo {
  /** The last probe answered (the server is in `servers()`). */
  readonly answering: boolean
  /** Why the last probe failed (`10.0.0.5:15348: connect ECONNREFUSED`); `''` when answering or not probed yet. */
  readonly reason: string
}

/** What a source announces; `addresses` are tried in order and the first that answers is used. */
export interface ServerCandidate {
  readonly name: string
  readonly addresses: readonly string[]
  readonly port: number
  readonly source: DiscoverySourceKind
}

/** The directory's side of a source. */
export interface CandidateSink {
  upsert (candidate: ServerCandidate): void
  remove (name: string, source: DiscoverySourceKind): void
}

/** A place data servers are found (mDNS browser, registry poller, static list). */
export interface DiscoverySource {
  readonly kind: DiscoverySourceKind
  /** Starts announcing to `sink`; synchronous announcements are probed before `waitForServers` resolves. */
  start (sink: CandidateSink): void
  /** Called every probe interval (re-query, re-read). */
  refresh (): void
  /** One phrase for error messages, e.g. `mDNS on 127.0.0.1 (3 answers)`. */
  describe (): string
  close (): Promise<void>
}

/** Options of a `NodeDirectory` (normally built by `startDiscovery`). */
export interface NodeDirectoryOptions {
  readonly sources: readonly DiscoverySource[]
  /** Cluster name, for messages. */
  readonly cluster: string
  /** Re-probe period, ms (10 to 2147483647). @default 10000 (PYME's) */
  readonly probeIntervalMs?: number
  /** TCP probe timeout, ms (1 to 2147483647). @default 2000 */
  readonly probeTimeoutMs?: number
  /**
   * When only mDNS has answered, how long `waitForServers` waits after the latest answer for
   * more servers to answer the same query, ms (0 to 2147483647). @default 250
   */
  readonly settleMs?: number
  /** Local computer name (PYME's local-first rule). @default '' (address rule only) */
  readonly computerName?: string
  /** Probe function (tests may count probes). @default tcpProbe */
  readonly probe?: ProbeFn
}

/** Probes one address; must resolve (not reject), promptly once `signal` aborts. */
export type ProbeFn = (address: string, port: number, timeoutMs: number, signal: AbortSignal) => Promise<ProbeResult>

/** Options of `waitForServers`. */
export interface WaitForServersOptions {
  /** How long to wait, ms (0 to 2147483647). @default 5000 */
  readonly timeoutMs?: number
  /** Servers to wait for. @default 1 */
  readonly min?: number
}

interface Entry {
  readonly key: string
  candidate: ServerCandidate
  live: DataServerInfo | null
  probing: Promise<void> | null
  probedOnce: boolean
  lastReason: string
  generation: number
}

interface Waiter {
  readonly min: number
  readonly timeoutMs: number
  readonly resolve: (servers: readonly DataServerInfo[]) => void
  readonly reject: (err: Error) => void
  readonly timer: NodeJS.Timeout
  settleTimer: NodeJS.Timeout | null
}

const PRIORITY: Readonly<Record<DiscoverySourceKind, number>> = { static: 0, mdns: 1, registry: 2 }
// Re-query backoff while waiting (RFC 6762 §5.2 doubles from 1 s; a starting server is found sooner).
const NUDGE_FIRST_MS = 250
const NUDGE_MAX_MS = 2000

const WAIT_OPTION_KEYS = { timeoutMs: true, min: true } as const satisfies Record<keyof WaitForServersOptions, true>

const NODE_DIRECTORY_OPTION_KEYS = {
  sources: true, cluster: true, probeIntervalMs: true, probeTimeoutMs: true, settleMs: true, computerName: true, probe: true
} as const satisfies Record<keyof NodeDirectoryOptions, true> & OptionKeys

export class NodeDirectory extends EventEmitter<{ add: [DataServerInfo], remove: [DataServerInfo] }> {
  readonly cluster: string
  readonly #sources: readonly DiscoverySource[]
  readonly #probeIntervalMs: number
  readonly #probeTimeoutMs: number
  readonly #settleMs: number
  readonly #computerName: string
  readonly #probe: ProbeFn
  readonly #abort = new AbortController()
  readonly #entries = new Map<string, Entry>()
  #current: readonly DataServerInfo[] = []
  readonly #waiters = new Set<Waiter>()
  #timer: NodeJS.Timeout | null = null
  /** While someone waits for servers: re-read sources and re-probe sooner than every 10 s. */
  #nudge: NodeJS.Timeout | null = null
  #nudgeDelay = NUDGE_FIRST_MS
  #lastMdnsAdd = 0
  #started = false
  #closing: Promise<void> | null = null

  constructor (options: NodeDirectoryOptions) {
    super()
    checkOptionsObject(options, NODE_DIRECTORY_OPTION_KEYS)
    if (options === undefined || !Array.isArray(options.sources)) throw new InvalidArgumentError('invalid sources: expected an array')
    this.cluster = options.cluster
    this.#sources = options.sources
    this.#probeIntervalMs = durationOption(options.probeIntervalMs, 'probeIntervalMs', { min: 10, max: MAX_TIMER_MS, default: 10_000 })
    this.#probeTimeoutMs = durationOption(options.probeTimeoutMs, 'probeTimeoutMs', { min: 1, max: MAX_TIMER_MS, default: 2_000 })
    this.#settleMs = durationOption(options.settleMs, 'settleMs', { min: 0, max: MAX_TIMER_MS, default: 250 })
    this.#computerName = options.computerName ?? ''
    this.#probe = options.probe ?? tcpProbe
  }

  /** Starts the sources and the re-probe timer. Called once by `startDiscovery`. */
  start (): this {
    if (this.#closing !== null) throw new ClosedError('node directory is closed')
    if (this.#started) return this
    this.#started = true
    const sink: CandidateSink = {
      upsert: (c) => { this.#upsert(c) },
      remove: (name, source) => { this.#remove(name, source) }
    }
    for (const source of this.#sources) source.start(sink)
    // Referenced, like a listening socket: a started directory keeps the process alive until close().
    this.#timer = setInterval(() => { this.#tick() }, this.#probeIntervalMs)
    return this
  }

  /** The live servers: probed, answering, in deterministic order (local first, then by name). */
  servers (): readonly DataServerInfo[] {
    return this.#current
  }

  /**
   * Every server the sources announce, answering or not, in the order of `servers()` (answering
   * ones as there; the others after them, by source and name). A server announced by two sources is listed
   * once; a silent one under the first address it was announced with.
   */
  known (): readonly KnownServer[] {
    const out: KnownServer[] = this.#current.map((s) => ({ ...s, answering: true, reason: '' }))
    const seen = new Set(out.flatMap((s) => [s.url, s.name]))
    const silent = [...this.#entries.values()]
      .filter((e) => e.live === null)
      .sort((a, b) => PRIORITY[a.candidate.source] - PRIORITY[b.candidate.source] || compareNames(a.candidate.name, b.candidate.name))
    for (const e of silent) {
      const c = e.candidate
      const address = c.addresses[0]
      if (address === undefined) continue
      const url = serverUrl(address, c.port)
      if (seen.has(url) || seen.has(c.name)) continue
      seen.add(url)
      seen.add(c.name)
      out.push({ name: c.name, url, address, port: c.port, source: c.source, local: isLocalAddress(address), answering: false, reason: e.lastReason })
    }
    return out
  }

  /**
   * Resolves once at least `min` servers answer. A client with static or registry entries
   * waits only for their first probes; an mDNS-only client waits for the first answers plus
   * `settleMs`. Rejects with `NoServersError` (saying where it looked) on timeout.
   */
  waitForServers (options: WaitForServersOptions = {}): Promise<readonly DataServerInfo[]> {
    if (this.#closing !== null) return Promise.reject(new ClosedError('node directory is closed'))
    let timeoutMs: number
    let min: number
    try {
      checkOptionsObject(options, WAIT_OPTION_KEYS)
      timeoutMs = durationOption(options.timeoutMs, 'timeoutMs', { min: 0, max: MAX_TIMER_MS, default: 5_000 })
      min = integerOption(options.min, 'min', { min: 1, max: Number.MAX_SAFE_INTEGER, default: 1 })
    } catch (err) {
      return Promise.reject(err as Error)
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        min,
        timeoutMs,
        resolve,
        reject,
        timer: setTimeout(() => { this.#expire(waiter) }, timeoutMs),
        settleTimer: null
      }
      this.#waiters.add(waiter)
      this.#checkWaiter(waiter)
      this.#scheduleNudge()
    })
  }

  /**
   * Probes now: every candidate, or those serving `url`. Callers that saw a server fail use
   * this so that it leaves the set at once instead of at the next periodic probe.
   */
  async reprobe (url?: string): Promise<void> {
    if (this.#closing !== null) return
    if (url === undefined) for (const s of this.#sources) s.refresh()
    const jobs: Array<Promise<void>> = []
    for (const e of this.#entries.values()) {
      if (url === undefined || e.live?.url === url) jobs.push(this.#probeEntry(e, true))
    }
    await Promise.all(jobs)
  }

  /** Stops the sources and the timer; pending `waitForServers` reject with `ClosedError`. Idempotent. */
  close (): Promise<void> {
    if (this.#closing !== null) return this.#closing
    if (this.#timer !== null) clearInterval(this.#timer)
    if (this.#nudge !== null) clearTimeout(this.#nudge)
    this.#abort.abort()
    for (const w of this.#waiters) this.#settle(w, new ClosedError('node directory was closed'))
    this.#closing = Promise.all(this.#sources.map(async (s) => { await s.close() })).then(() => {
      this.#entries.clear()
      this.#current = []
    })
    return this.#closing
  }

  #upsert (c: ServerCandidate): void {
    if (this.#closing !== null) return
    const key = `${c.source}\u0000${c.name}`
    const existing = this.#entries.get(key)
    if (existing !== undefined) {
      const same = existing.candidate.port === c.port &&
        existing.candidate.addresses.join() === c.addresses.join()
      if (same) return
      existing.candidate = c
      existing.generation++
      existing.probedOnce = false
      void this.#probeEntry(existing, true)
      return
    }
    const entry: Entry = { key, candidate: c, live: null, probing: null, probedOnce: false, lastReason: '', generation: 0 }
    this.#entries.set(key, entry)
    debug('discovery: candidate %s %s:%d via %s', c.name, c.addresses.join('|'), c.port, c.source)
    void this.#probeEntry(entry, false)
  }

  #remove (name: string, source: DiscoverySourceKind): void {
    const key = `${source}\u0000${name}`
    const entry = this.#entries.get(key)
    if (entry === undefined) return
    this.#entries.delete(key)
    entry.generation++
    debug('discovery: %s withdrawn by %s', name, source)
    this.#changed()
  }

  #probeEntry (entry: Entry, force: boolean): Promise<void> {
    if (entry.probing !== null) return entry.probing
    if (!force && entry.probedOnce) return Promise.resolve()
    const generation = entry.generation
    const c = entry.candidate
    entry.probing = (async () => {
      let live: DataServerInfo | null = null
      let reason = 'no address'
      for (const address of c.addresses) {
        const r = await this.#probe(address, c.port, this.#probeTimeoutMs, this.#abort.signal)
        if (r.ok) {
          live = {
            name: c.name,
            url: serverUrl(address, c.port),
            address,
            port: c.port,
            source: c.source,
            local: isLocalAddress(address) || (this.#computerName !== '' && c.name.includes(this.#computerName))
          }
          break
        }
        reason = `${address}:${c.port}: ${r.reason}`
      }
      entry.probing = null
      if (this.#entries.get(entry.key) !== entry || entry.generation !== generation || this.#closing !== null) return
      entry.probedOnce = true
      entry.lastReason = live === null ? reason : ''
      if (live === null && entry.live !== null) debug('discovery: %s stopped answering (%s)', c.name, reason)
      entry.live = live
      this.#changed()
    })()
    return entry.probing
  }

  #scheduleNudge (): void {
    if (this.#nudge !== null || this.#waiters.size === 0 || this.#closing !== null) return
    this.#nudge = setTimeout(() => {
      this.#nudge = null
      if (this.#waiters.size === 0 || this.#closing !== null) return
      for (const s of this.#sources) s.refresh()
      for (const e of this.#entries.values()) if (e.live === null) void this.#probeEntry(e, true)
      this.#nudgeDelay = Math.min(this.#nudgeDelay * 2, NUDGE_MAX_MS)
      this.#scheduleNudge()
    }, this.#nudgeDelay)
  }

  #tick (): void {
    for (const s of this.#sources) s.refresh()
    for (const e of this.#entries.values()) void this.#probeEntry(e, true)
  }

  #compute (): DataServerInfo[] {
    const byName = new Map<string, DataServerInfo>()
    for (const e of this.#entries.values()) {
      const info = e.live
      if (info === null) continue
      const other = byName.get(info.name)
      if (other === undefined || PRIORITY[info.source] < PRIORITY[other.source]) byName.set(info.name, info)
    }
    const list = [...byName.values()].sort((a, b) =>
      (a.local === b.local ? 0 : a.local ? -1 : 1) || compareNames(a.name, b.name) || compareNames(a.url, b.url))
    const seen = new Set<string>()
    return list.filter((s) => {
      if (seen.has(s.url)) return false
      seen.add(s.url)
      return true
    })
  }

  #changed (): void {
    const next = this.#compute()
    const id = (s: DataServerInfo): string => `${s.name}\u0000${s.url}\u0000${s.source}`
    const before = new Map(this.#current.map((s) => [id(s), s]))
    const after = new Set(next.map(id))
    this.#current = next
    for (const [k, s] of before) if (!after.has(k)) this.emit('remove', s)
    for (const s of next) {
      if (before.has(id(s))) continue
      if (s.source === 'mdns') this.#lastMdnsAdd = performance.now()
      debug('discovery: + %s %s (%s)', s.name, s.url, s.source)
      this.emit('add', s)
    }
    for (const w of this.#waiters) this.#checkWaiter(w)
  }

  #pendingFirstProbes (): number {
    let n = 0
    for (const e of this.#entries.values()) if (e.candidate.source !== 'mdns' && !e.probedOnce) n++
    return n
  }

  #checkWaiter (w: Waiter): void {
    const servers = this.#current
    if (servers.length < w.min || this.#pendingFirstProbes() > 0) return
    if (servers.some((s) => s.source !== 'mdns')) {
      this.#settle(w, servers)
      return
    }
    // Only mDNS has answered: give the other responders of the same query a moment.
    const wait = this.#settleMs - (performance.now() - this.#lastMdnsAdd)
    if (wait <= 0) {
      this.#settle(w, servers)
      return
    }
    if (w.settleTimer !== null) clearTimeout(w.settleTimer)
    w.settleTimer = setTimeout(() => {
      w.settleTimer = null
      this.#checkWaiter(w)
    }, wait)
  }

  #expire (w: Waiter): void {
    const servers = this.#current
    if (servers.length >= w.min) {
      this.#settle(w, servers)
      return
    }
    const what = this.cluster === '' ? "of the '' cluster" : `of cluster '${this.cluster}'`
    const head = servers.length === 0
      ? `no data servers ${what} answered within ${w.timeoutMs} ms`
      : `only ${servers.length} of ${w.min} data servers ${what} answered within ${w.timeoutMs} ms`
    const where = this.#sources.map((s) => s.describe()).join('; ')
    const failing = [...this.#entries.values()].filter((e) => e.live === null && e.lastReason !== '').map((e) => e.lastReason)
    const probes = failing.length === 0 ? '' : `; probes failed: ${failing.slice(0, 5).join(', ')}${failing.length > 5 ? ', ...' : ''}`
    this.#settle(w, new NoServersError(`${head} (${where === '' ? 'no discovery source enabled' : where}${probes})`))
  }

  #settle (w: Waiter, outcome: readonly DataServerInfo[] | Error): void {
    if (!this.#waiters.delete(w)) return
    clearTimeout(w.timer)
    if (w.settleTimer !== null) clearTimeout(w.settleTimer)
    if (this.#waiters.size === 0) {
      if (this.#nudge !== null) clearTimeout(this.#nudge)
      this.#nudge = null
      this.#nudgeDelay = NUDGE_FIRST_MS
    }
    if (outcome instanceof Error) w.reject(outcome)
    else w.resolve(outcome)
  }
}
