/**
 * `FolderBackend`: a series in a local directory, laid out exactly as on a PYME cluster
 * (PROTOCOL.md §7.1): metadata.json, frame%05d.pzf, final_metadata.json, events.json last.
 * Files are write-once (temporary file + hard link, as the data server does); frames are
 * encoded on worker threads (`PzfEncoderPool`) so `storeFrame` stays cheap.
 *
 * The directory can be read back with `SeriesReader.open(directory)` (or `getURL()`, a
 * `file://` URL), copied to a data server's root, or served by one directly.
 */
import { InvalidArgumentError } from '../errors.js'
import { checkBackendOptions, type SeriesBackendOptions } from './series-backend-options.js'
import { SeriesBackend } from './series-backend.js'
import { FolderStore } from './folder-store.js'

/** Options of `FolderBackend`. */
export interface FolderBackendOptions extends SeriesBackendOptions {
  /** The series directory; created if missing, refused if it already holds a series. */
  readonly directory: string
  /** `fsync` every file before it is linked into place. @default false */
  readonly fsync?: boolean
}

export class FolderBackend extends SeriesBackend {
  /** The absolute series directory. */
  readonly directory: string

  constructor (options: FolderBackendOptions) {
    checkBackendOptions(options, { directory: true, fsync: true } satisfies Record<Exclude<keyof FolderBackendOptions, keyof SeriesBackendOptions>, true>)
    if (typeof options?.directory !== 'string' || options.directory === '') {
      throw new InvalidArgumentError('invalid directory: expected a path')
    }
    if (options.fsync !== undefined && typeof options.fsync !== 'boolean') throw new InvalidArgumentError('invalid fsync: expected a boolean')
    const store = new FolderStore(options.directory, { fsync: options.fsync ?? false })
    super(store, options)
    this.directory = store.directory
  }
}
