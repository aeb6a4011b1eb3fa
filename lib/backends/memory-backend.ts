/**
 * `MemoryBackend`: a series kept in process memory, file for file as it would be on a
 * cluster (metadata.json, frame%05d.pzf as encoded PZF, final_metadata.json, events.json).
 * For tests, examples and pipelines that hand frames on without touching disk; read it back
 * with `SeriesReader.fromSource(backend.source)`.
 *
 * Frames are encoded on the calling thread by default (`pool: false`), so a stored frame is
 * in `files` once the `'stored'` event fires; pass `pool: true` to encode on worker threads.
 */
import { InvalidArgumentError } from '../errors.js'
import type { SeriesSource } from '../series/series-source.js'
import { checkBackendOptions, type SeriesBackendOptions } from './series-backend-options.js'
import { SeriesBackend } from './series-backend.js'
import { MemoryStore } from './memory-store.js'

/** Options of `MemoryBackend`. */
export interface MemoryBackendOptions extends SeriesBackendOptions {
  /** Series name, for the URL `memory://<name>`. @default 'series' */
  readonly name?: string
}

export class MemoryBackend extends SeriesBackend {
  readonly #store: MemoryStore

  constructor (options: MemoryBackendOptions) {
    checkBackendOptions(options, { name: true } satisfies Record<Exclude<keyof MemoryBackendOptions, keyof SeriesBackendOptions>, true>)
    const name = options?.name ?? 'series'
    if (typeof name !== 'string' || name === '') throw new InvalidArgumentError('invalid name: expected a non-empty string')
    const store = new MemoryStore(`memory://${name}`)
    super(store, { pool: false, ...options })
    this.#store = store
  }

  /** The series files: name → bytes. */
  get files (): ReadonlyMap<string, Uint8Array> { return this.#store.files }

  /** The series as a `SeriesSource` for `SeriesReader.fromSource`. */
  get source (): SeriesSource { return this.#store }
}
