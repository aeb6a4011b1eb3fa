/**
 * Which data servers have their root on this machine, and where (for the local bypass,
 * PROTOCOL.md §5.6). A server qualifies when its address is this machine's and it reports an
 * absolute `Root` in `/__status` (our server does), or when configuration names its root.
 * Roots are resolved with realpath once; a server that cannot say is asked again later.
 */
import { realpath } from 'node:fs/promises'
import { isAbsolute } from 'node:path'
import type { DataServerInfo } from '../discovery/node-directory.js'
import { isLocalAddress } from '../discovery/local-address.js'
import type { NodeClient } from './node-client.js'

const RETRY_MS = 10_000

export class LocalRoots {
  readonly #configured: ReadonlyMap<string, string>
  readonly #timeoutMs: number
  readonly #known = new Map<string, { root: string | null, at: number }>()
  readonly #pending = new Map<string, Promise<string | null>>()

  constructor (configured: ReadonlyMap<string, string>, timeoutMs: number) {
    this.#configured = configured
    this.#timeoutMs = timeoutMs
  }

  /** The real root of `server` on this machine, or null when it is not local (or cannot be known). */
  async rootOf (server: DataServerInfo, client: NodeClient): Promise<string | null> {
    const known = this.#known.get(server.url)
    if (known !== undefined && (known.root !== null || performance.now() - known.at < RETRY_MS)) return known.root
    let p = this.#pending.get(server.url)
    if (p === undefined) {
      p = this.#resolve(server, client).then((root) => {
        this.#known.set(server.url, { root, at: performance.now() })
        return root
      }).finally(() => this.#pending.delete(server.url))
      this.#pending.set(server.url, p)
    }
    return await p
  }

  async #resolve (server: DataServerInfo, client: NodeClient): Promise<string | null> {
    let root = this.#configured.get(server.url)
    if (root === undefined) {
      if (!isLocalAddress(server.address)) return null
      try {
        const status = await client.status({ timeoutMs: this.#timeoutMs })
        const r = status['Root']
        if (typeof r !== 'string' || !isAbsolute(r)) return null
        root = r
      } catch {
        return null
      }
    }
    try {
      return await realpath(root)
    } catch {
      return null
    }
  }
}
