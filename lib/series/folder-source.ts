/**
 * `FolderSource`: a series in a local directory (written by `FolderBackend`, copied from a
 * cluster, or a data server's root), for `SeriesReader`.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { InvalidArgumentError, NotFoundError } from '../errors.js'
import type { SeriesSource } from './series-source.js'

function isMissing (err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

export class FolderSource implements SeriesSource {
  readonly url: string
  readonly settleMs = 0
  readonly directory: string

  constructor (directory: string) {
    if (typeof directory !== 'string' || directory === '') throw new InvalidArgumentError('invalid directory: expected a path')
    this.directory = resolve(directory)
    this.url = pathToFileURL(this.directory).href
  }

  #path (name: string): string {
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\\') || name.includes('\u0000')) {
      throw new InvalidArgumentError(`invalid file name '${name}': expected a name inside the series`)
    }
    return join(this.directory, name)
  }

  async list (): Promise<readonly string[]> {
    try {
      return await readdir(this.directory)
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(`series ${this.directory} does not exist`, { cause: err })
      throw err
    }
  }

  async read (name: string): Promise<Uint8Array> {
    try {
      return await readFile(this.#path(name))
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(`${join(this.directory, name)} does not exist`, { cause: err })
      throw err
    }
  }

  async exists (name: string): Promise<boolean> {
    try {
      return (await stat(this.#path(name))).isFile()
    } catch (err) {
      if (isMissing(err)) return false
      throw err
    }
  }

  async close (): Promise<void> {}
}
