/**
 * `MemoryStore`: a series held in a `Map` of file name → bytes, as they would be on disk
 * (frames as complete PZF files). It is both the `SeriesStore` a `MemoryBackend` writes and
 * the `SeriesSource` a `SeriesReader` reads, so a series can be checked end to end in-process.
 */
import { AlreadyExistsError, ClosedError, NotFoundError } from '../errors.js'
import type { SeriesSource } from '../series/series-source.js'
import type { SeriesStore } from './series-store.js'

export class MemoryStore implements SeriesStore, SeriesSource {
  readonly url: string
  /** The bytes written are the stored files themselves: never reused by the backend. */
  readonly retains = true
  readonly settleMs = 0
  readonly #files = new Map<string, Uint8Array>()
  #destroyed = false

  constructor (url: string) {
    this.url = url
  }

  /** The stored files (a live, read-only view). */
  get files (): ReadonlyMap<string, Uint8Array> { return this.#files }

  async create (): Promise<void> {
    if (this.#files.size > 0) throw new AlreadyExistsError(`series ${this.url} already exists`)
  }

  async write (name: string, data: Uint8Array): Promise<void> {
    if (this.#destroyed) throw new ClosedError(`store of ${this.url} was destroyed`)
    if (this.#files.has(name)) throw new AlreadyExistsError(`${this.url}/${name} already exists`)
    this.#files.set(name, data)
  }

  async list (): Promise<readonly string[]> {
    return [...this.#files.keys()]
  }

  async read (name: string): Promise<Uint8Array> {
    const data = this.#files.get(name)
    if (data === undefined) throw new NotFoundError(`${this.url}/${name} does not exist`)
    return data
  }

  async exists (name: string): Promise<boolean> {
    return this.#files.has(name)
  }

  /** The files stay readable after close (it is the series itself). */
  async close (): Promise<void> {}

  destroy (): void {
    this.#destroyed = true
  }
}
