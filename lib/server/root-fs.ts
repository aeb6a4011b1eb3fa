/**
 * The data root on disk, and the rules that keep every request inside it:
 *
 * - paths are joined from already-normalised components (request-path.ts), so `..` cannot
 *   climb out lexically;
 * - symlinks are followed only when their target stays inside the root (realpath check,
 *   PROTOCOL.md §2.3 SHOULD), for reads, listings and the parents that PUT writes into;
 * - directories created by PUT (`mkdir -p`) are made one component at a time, so a parent
 *   that is a file is a clear 409, and a symlink leading out of the root a 403, never a
 *   write outside the root.
 *
 * Directories known to be inside the root are remembered (bounded LRU) so that a stream of
 * PUTs into one series directory costs no extra system calls.
 */
import { lstat, mkdir, realpath, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { isWithin } from '../internal/path-within.js'
import { RESERVED_PREFIX } from './directory-scan.js'
import { HttpFailure, failureForFsError } from './http-failure.js'
import { LruCache } from '../internal/lru-cache.js'

export { RESERVED_PREFIX }

export class RootFs {
  /** The root as given (absolute). */
  readonly root: string
  /** The root with symlinks resolved: containment is checked against this. */
  readonly realRoot: string
  readonly #knownDirs = new LruCache<string, true>({ maxEntries: 4096 })

  private constructor (root: string, realRoot: string) {
    this.root = root
    this.realRoot = realRoot
  }

  /** Opens (and creates if missing) the root directory. */
  static async open (root: string): Promise<RootFs> {
    await mkdir(root, { recursive: true })
    const real = await realpath(root)
    const st = await stat(real)
    if (!st.isDirectory()) throw new Error(`${root} is not a directory`)
    return new RootFs(root, real)
  }

  /** Absolute path of normalised components (no symlink resolution). */
  abs (segments: readonly string[]): string {
    return segments.length === 0 ? this.root : join(this.root, ...segments)
  }

  /** True when a resolved path is the root or below it. */
  contains (real: string): boolean {
    return isWithin(this.realRoot, real)
  }

  /**
   * The real path of an existing entry, checked to be inside the root. 404 when missing,
   * 403 when a symlink leads outside.
   */
  async resolveExisting (segments: readonly string[]): Promise<string> {
    let real: string
    try {
      real = await realpath(this.abs(segments))
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') throw new HttpFailure(404, 'Not Found')
      throw failureForFsError(err)
    }
    if (!this.contains(real)) throw new HttpFailure(403, 'Outside the data root')
    return real
  }

  /**
   * Makes sure the directory `segments` exists inside the root, creating missing components.
   * `onCreated(parentSegments, name)` is told about each directory made, in order.
   * Returns the absolute path.
   */
  async ensureDirectory (segments: readonly string[], onCreated?: (parent: readonly string[], name: string) => void): Promise<string> {
    const target = this.knownDirectory(segments)
    if (target !== undefined) return target
    try {
      return await this.#makeDirectory(segments, onCreated)
    } catch (err) {
      if (!(err instanceof HttpFailure) || err.status !== 404) throw err
      return this.remakeDirectory(segments, onCreated)
    }
  }

  /**
   * `ensureDirectory` after a remembered directory was found removed behind our back: forgets
   * every remembered directory and walks again.
   */
  async remakeDirectory (segments: readonly string[], onCreated?: (parent: readonly string[], name: string) => void): Promise<string> {
    this.#knownDirs.clear()
    return this.#makeDirectory(segments, onCreated)
  }

  async #makeDirectory (segments: readonly string[], onCreated?: (parent: readonly string[], name: string) => void): Promise<string> {
    const target = this.abs(segments)
    for (let i = 1; i <= segments.length; i++) {
      const path = this.abs(segments.slice(0, i))
      if (this.#knownDirs.get(path) !== undefined) continue
      const name = segments[i - 1] as string
      if (name.startsWith(RESERVED_PREFIX)) throw new HttpFailure(400, 'Reserved name')
      let st
      try {
        st = await lstat(path)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw failureForFsError(err)
      }
      if (st === undefined) {
        try {
          await mkdir(path)
          onCreated?.(segments.slice(0, i - 1), name)
        } catch (err) {
          // Another request made it meanwhile: look again below.
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw failureForFsError(err)
        }
        st = await lstat(path)
      }
      if (st.isSymbolicLink()) {
        let real: string
        try {
          real = await realpath(path)
        } catch {
          throw new HttpFailure(409, 'Parent is a broken link')
        }
        if (!this.contains(real)) throw new HttpFailure(403, 'Outside the data root')
        st = await stat(real)
      }
      if (!st.isDirectory()) throw new HttpFailure(409, 'Parent is not a directory')
      this.#knownDirs.set(path, true)
    }
    return target
  }

  /** The absolute path of `segments` if it is the root or a directory seen inside it recently (no system call). */
  knownDirectory (segments: readonly string[]): string | undefined {
    const target = this.abs(segments)
    return segments.length === 0 || this.#knownDirs.get(target) !== undefined ? target : undefined
  }
}
