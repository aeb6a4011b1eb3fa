/**
 * `H5FileStore`: the store of `HdfBackend`, a series as one local `.h5` file in PYME's layout
 * (docs/hdf5.md), written through `H5Service` (a worker thread; h5wasm loads on `create()`).
 * Every `write` is one committed append: when it resolves, the file holds it.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { AlreadyExistsError, ClosedError, PymeError, StoreFailedError } from '../errors.js'
import { H5Service } from '../hdf5/h5-service.js'
import type { SeriesStore } from './series-store.js'

/** Options of `H5FileStore`. */
export interface H5FileStoreOptions {
  /** fsync every append (durable on power loss, slower). @default false */
  readonly fsync?: boolean
}

export class H5FileStore implements SeriesStore {
  readonly url: string
  /** A member is appended to the file once `write` resolves: its memory may then be reused. */
  readonly retains = false
  readonly file: string
  readonly #service: H5Service
  #closed = false

  constructor (file: string, options: H5FileStoreOptions = {}) {
    this.file = resolve(file)
    this.url = pathToFileURL(this.file).href
    this.#service = new H5Service({ fsync: options.fsync ?? false })
  }

  async create (): Promise<void> {
    if (existsSync(this.file)) throw new AlreadyExistsError(`${this.file} already exists`)
  }

  async write (name: string, data: Uint8Array): Promise<void> {
    if (this.#closed) throw new ClosedError(`store of ${this.file} is closed`)
    try {
      await this.#service.putSeriesMember(this.file, name, data)
    } catch (err) {
      if (err instanceof AlreadyExistsError) throw err
      const code = err instanceof PymeError ? err.code : String(err)
      throw new StoreFailedError(`cannot write ${name} to ${this.file}: ${code} ${(err as Error).message}`, [name], undefined, { cause: err })
    }
  }

  /** Closes the file (flushed, complete for any reader) and the worker. */
  async close (): Promise<void> {
    this.#closed = true
    await this.#service.close()
  }

  destroy (): void {
    this.#closed = true
    this.#service.close().catch(() => {})
  }
}
