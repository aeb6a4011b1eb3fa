/**
 * One `NodeClient` per live data server, created on first use and destroyed when the server
 * leaves the directory (a server that comes back gets a fresh pool of connections).
 */
import type { DataServerInfo, NodeDirectory } from '../discovery/node-directory.js'
import { NodeClient, type NodeClientOptions } from './node-client.js'

export class NodePool {
  readonly #clients = new Map<string, NodeClient>()
  readonly #options: NodeClientOptions
  readonly #directory: NodeDirectory
  readonly #onRemove: (info: DataServerInfo) => void

  constructor (directory: NodeDirectory, options: NodeClientOptions) {
    this.#options = options
    this.#directory = directory
    this.#onRemove = (info) => {
      const c = this.#clients.get(info.url)
      if (c === undefined) return
      this.#clients.delete(info.url)
      void c.destroy()
    }
    directory.on('remove', this.#onRemove)
  }

  client (server: DataServerInfo): NodeClient {
    let c = this.#clients.get(server.url)
    if (c === undefined) {
      c = new NodeClient(server.url, this.#options)
      this.#clients.set(server.url, c)
    }
    return c
  }

  async close (): Promise<void> {
    this.#directory.off('remove', this.#onRemove)
    const all = [...this.#clients.values()]
    this.#clients.clear()
    await Promise.all(all.map((c) => c.close()))
  }

  async destroy (): Promise<void> {
    this.#directory.off('remove', this.#onRemove)
    const all = [...this.#clients.values()]
    this.#clients.clear()
    await Promise.all(all.map((c) => c.destroy()))
  }
}
