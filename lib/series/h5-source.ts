/**
 * `H5Source`: a series in one local `.h5` file (ours or PYME's cluster_h5 / PZF HDF files),
 * read as the series folder PYME's server presents (docs/hdf5.md): metadata.json,
 * frame%05d.pzf, events.json. Through `H5Service`: h5wasm loads on the first read.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { H5Service } from '../hdf5/h5-service.js'
import type { SeriesSource } from './series-source.js'

export class H5Source implements SeriesSource {
  readonly url: string
  readonly settleMs = 0
  readonly file: string
  readonly #service = new H5Service({ idleCloseMs: 5000 })

  constructor (file: string) {
    this.file = resolve(file)
    this.url = pathToFileURL(this.file).href
  }

  list (): Promise<readonly string[]> {
    return this.#service.seriesListing(this.file)
  }

  read (name: string): Promise<Uint8Array> {
    return this.#service.readSeriesMember(this.file, name)
  }

  async exists (name: string): Promise<boolean> {
    return (await this.list()).includes(name)
  }

  close (): Promise<void> {
    return this.#service.close()
  }
}
