/**
 * `HdfBackend`: a series in one local HDF5 file, laid out as PYME's cluster_h5 files
 * (/PZFImageData, /PZFImageIndex, /MetaData, /Events; docs/hdf5.md), with the
 * `FolderBackend` contract: metadata.json first, frames (PZF, encoded on worker threads),
 * final_metadata.json (merged into /MetaData) and events.json last, which closes the file.
 *
 * Read it back with `SeriesReader.open('<file>.h5')`, PyTables, or PYME (`H5File`,
 * `HDFDataSource`); a data server serves it as a series folder (`GET <file>.h5/`).
 */
import { InvalidArgumentError } from '../errors.js'
import { checkBackendOptions, type SeriesBackendOptions } from './series-backend-options.js'
import { SeriesBackend } from './series-backend.js'
import { H5FileStore } from './h5-file-store.js'

/** Options of `HdfBackend`. */
export interface HdfBackendOptions extends SeriesBackendOptions {
  /** The `.h5` file; refused if it already exists. */
  readonly file: string
  /** fsync every append. @default false */
  readonly fsync?: boolean
}

export class HdfBackend extends SeriesBackend {
  /** The absolute path of the `.h5` file. */
  readonly file: string

  constructor (options: HdfBackendOptions) {
    checkBackendOptions(options, { file: true, fsync: true } satisfies Record<Exclude<keyof HdfBackendOptions, keyof SeriesBackendOptions>, true>)
    if (typeof options?.file !== 'string' || !options.file.endsWith('.h5')) {
      throw new InvalidArgumentError('invalid file: expected a path ending in .h5')
    }
    if (options.fsync !== undefined && typeof options.fsync !== 'boolean') throw new InvalidArgumentError('invalid fsync: expected a boolean')
    const store = new H5FileStore(options.file, { fsync: options.fsync ?? false })
    super(store, options)
    this.file = store.file
  }
}
