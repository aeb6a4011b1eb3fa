/**
 * Discovery source for PYME's host-local SQLite registry (PROTOCOL.md §4.4): read at start and
 * at every refresh. Rows only nominate candidates; the directory probes them, so rows left by
 * crashed servers are never used (PYME trusts them until a new process prunes them).
 * The registry file is never created by a reader.
 */
import { existsSync } from 'node:fs'
import { debuglog } from 'node:util'
import { SqliteRegistry, type RegistryEntry } from '../internal/sqlite-registry.js'
import { matchesCluster, type ClusterMatch } from '../internal/service-name.js'
import type { CandidateSink, DiscoverySource } from './node-directory.js'

const debug = debuglog('pyme')

export interface RegistrySourceOptions {
  readonly path: string
  readonly cluster: string
  readonly match: ClusterMatch
}

export class RegistrySource implements DiscoverySource {
  readonly kind = 'registry'
  readonly #registry: SqliteRegistry
  readonly #cluster: string
  readonly #match: ClusterMatch
  #sink: CandidateSink | null = null
  #known = new Map<string, string>()
  #rows = 0
  #error = ''

  constructor (options: RegistrySourceOptions) {
    this.#registry = new SqliteRegistry({ path: options.path, busyTimeout: 1000 })
    this.#cluster = options.cluster
    this.#match = options.match
  }

  start (sink: CandidateSink): void {
    this.#sink = sink
    this.refresh()
  }

  refresh (): void {
    const sink = this.#sink
    if (sink === null) return
    let entries: RegistryEntry[]
    try {
      entries = existsSync(this.#registry.path) ? this.#registry.list() : []
      this.#error = ''
    } catch (err) {
      // A locked or damaged registry must not stop the other sources; keep what we knew.
      this.#error = (err as Error).message
      debug('discovery: %s', this.#error)
      return
    }
    this.#rows = entries.length
    const next = new Map<string, string>()
    for (const e of entries) {
      if (!matchesCluster(e.name, this.#cluster, this.#match)) continue
      next.set(e.name, `${e.address}:${e.port}`)
      if (this.#known.get(e.name) !== `${e.address}:${e.port}`) {
        sink.upsert({ name: e.name, addresses: [e.address], port: e.port, source: 'registry' })
      }
    }
    for (const name of this.#known.keys()) if (!next.has(name)) sink.remove(name, 'registry')
    this.#known = next
  }

  describe (): string {
    if (this.#error !== '') return `local registry unreadable: ${this.#error}`
    if (this.#rows === 0) return `local registry ${this.#registry.path}: no entries`
    return `local registry ${this.#registry.path}: ${this.#known.size} of ${this.#rows} entries match`
  }

  async close (): Promise<void> {
    this.#sink = null
  }
}
