/**
 * `advertise: 'local'`: a row in PYME's host-local SQLite registry (PROTOCOL.md §4.4), with
 * address 127.0.0.1 and the real port, so PYME clients and ours on the same machine find
 * the server (cluster of one, §9). The row is removed on close.
 */
import { SqliteRegistry } from '../internal/sqlite-registry.js'

export class RegistryAdvertiser {
  readonly #registry: SqliteRegistry
  readonly #name: string
  #closed = false

  constructor (path: string, instanceName: string, port: number) {
    this.#registry = new SqliteRegistry({ path })
    this.#name = instanceName
    this.#registry.register(instanceName, '127.0.0.1', port)
  }

  get path (): string { return this.#registry.path }

  /** Removes the registration. Idempotent. */
  close (): void {
    if (this.#closed) return
    this.#closed = true
    this.#registry.unregister(this.#name)
  }
}
