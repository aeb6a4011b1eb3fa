/**
 * Discovery source for a fixed server list (`servers` option, `PYME_CLUSTER_SERVERS`).
 * Static servers are not filtered by cluster: naming them is choosing them.
 */
import type { CandidateSink, DiscoverySource } from './node-directory.js'
import { serverUrl, type ServerAddress } from '../internal/server-address.js'

export class StaticSource implements DiscoverySource {
  readonly kind = 'static'
  readonly #servers: ReadonlyArray<Pick<ServerAddress, 'address' | 'port'>>

  constructor (servers: ReadonlyArray<Pick<ServerAddress, 'address' | 'port'>>) {
    this.#servers = servers
  }

  start (sink: CandidateSink): void {
    for (const s of this.#servers) {
      const url = serverUrl(s.address, s.port)
      sink.upsert({ name: url.slice('http://'.length, -1), addresses: [s.address], port: s.port, source: 'static' })
    }
  }

  refresh (): void {}

  describe (): string {
    const list = this.#servers.map((s) => serverUrl(s.address, s.port))
    return `static servers ${list.join(', ')}`
  }

  async close (): Promise<void> {}
}
