/**
 * `FolderStore`: a series as a local directory, with the data server's write-once rule: each
 * file is written to a hidden temporary name in the same directory, then hard-linked to its
 * final name (which fails if the name exists) and the temporary name removed. A reader never
 * sees a partial file, and no file is ever overwritten.
 *
 *   open(.pyme-tmp-…, O_EXCL) → write → [fsync] → close → link(tmp, name) → unlink(tmp)
 *
 * Temporary names start with `.pyme-` (hidden by our data server, and not ending in `.pzf`, so
 * PYME's frame count never includes them) when the folder lies under a data server's root.
 */
import { link, mkdir, open, readdir, unlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { AlreadyExistsError, ClosedError, StoreFailedError } from '../errors.js'
import { EVENTS_FILE, METADATA_FILE, parseFrameFileName } from '../internal/series-layout.js'
import { tempName } from '../internal/temp-name.js'
import type { SeriesStore } from './series-store.js'

/** Options of `FolderStore`. */
export interface FolderStoreOptions {
  /** `fsync` every file before it is linked into place (durable on power loss, slower). @default false */
  readonly fsync?: boolean
}


function fsCode (err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code
}

export class FolderStore implements SeriesStore {
  readonly url: string
  /** The bytes of a write are on disk once it resolves; the backend may reuse their memory. */
  readonly retains = false
  readonly directory: string
  readonly #fsync: boolean
  #closed = false

  constructor (directory: string, options: FolderStoreOptions = {}) {
    this.directory = resolve(directory)
    this.url = pathToFileURL(this.directory).href
    this.#fsync = options.fsync ?? false
  }

  async create (): Promise<void> {
    try {
      await mkdir(this.directory, { recursive: true })
      const names = await readdir(this.directory)
      const existing = names.find((n) => n === METADATA_FILE || n === EVENTS_FILE || parseFrameFileName(n) !== undefined)
      if (existing !== undefined) throw new AlreadyExistsError(`${this.directory} already holds a series (${existing})`)
    } catch (err) {
      if (err instanceof AlreadyExistsError) throw err
      throw new StoreFailedError(`cannot create series directory ${this.directory}: ${fsCode(err) ?? String(err)}`, [], undefined, { cause: err })
    }
  }

  async write (name: string, data: Uint8Array): Promise<void> {
    if (this.#closed) throw new ClosedError(`store of ${this.directory} is closed`)
    const tmp = join(this.directory, tempName())
    const target = join(this.directory, name)
    try {
      const fh = await open(tmp, 'wx')
      try {
        // One write per file (FileHandle.writeFile would cut it into 512 KiB writes, each a
        // thread-pool round trip); the loop only continues after a short write.
        for (let done = 0; done < data.byteLength;) {
          done += (await fh.write(data, done, data.byteLength - done, done)).bytesWritten
        }
        if (this.#fsync) await fh.sync()
      } finally {
        await fh.close()
      }
      await link(tmp, target)
    } catch (err) {
      if (fsCode(err) === 'EEXIST') throw new AlreadyExistsError(`${target} already exists`, { cause: err })
      throw new StoreFailedError(`cannot write ${target}: ${fsCode(err) ?? String(err)}`, [name], undefined, { cause: err })
    } finally {
      await unlink(tmp).catch(() => {})
    }
  }

  async close (): Promise<void> {
    this.#closed = true
  }

  destroy (): void {
    this.#closed = true
  }
}
