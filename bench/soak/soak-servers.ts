/**
 * The soak's storage: N data servers in child processes on loopback, each with a tmpfs root
 * of a fixed size (mounted here, unmounted in `close()` and on exit) so a long run can never
 * fill the machine's disk; a plain directory in /dev/shm (also tmpfs) where mounting is not
 * allowed. `rotate(series)` deletes a finished series from every root, as a lab's clean-up
 * would, since PYME's servers have no DELETE.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { startServerProcess, type ServerProcess } from '../../test/helpers/server-process.js'

export class SoakServers {
  readonly servers: ServerProcess[] = []
  /** How the roots are held: 'tmpfs <size> per node' or '/dev/shm directories'. */
  readonly storage: string
  readonly #base: string
  readonly #mounts: string[] = []
  #closed = false
  readonly #onExit = (): void => { this.#cleanSync() }

  private constructor (base: string, storage: string) {
    this.#base = base
    this.storage = storage
    process.on('exit', this.#onExit)
  }

  /** Starts `n` servers with roots of `bytes` each. */
  static async start (n: number, bytes: number): Promise<SoakServers> {
    const base = mkdtempSync(join('/dev/shm', 'pyme-soak-'))
    const roots = Array.from({ length: n }, (_, i) => join(base, `node${i}`))
    let mounted = true
    for (const root of roots) {
      mkdirSync(root)
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', root], { stdio: 'pipe' })
      } catch {
        mounted = false
      }
    }
    const s = new SoakServers(base, mounted ? `tmpfs of ${Math.round(bytes / 1048576)} MiB per node` : '/dev/shm directories (mount refused)')
    if (mounted) s.#mounts.push(...roots)
    try {
      for (const root of roots) s.servers.push(await startServerProcess({ root, startTimeoutMs: 60_000 }))
    } catch (err) {
      await s.close()
      throw err
    }
    return s
  }

  get urls (): string[] { return this.servers.map((s) => s.url) }

  /** Removes the series directory from every root. */
  async rotate (series: string): Promise<void> {
    await Promise.all(this.servers.map((s) => rm(join(s.root, ...series.split('/')), { recursive: true, force: true })))
  }

  async close (): Promise<void> {
    if (this.#closed) return
    await Promise.allSettled(this.servers.map((s) => s.stop()))
    this.#cleanSync()
  }

  #cleanSync (): void {
    if (this.#closed) return
    this.#closed = true
    process.off('exit', this.#onExit)
    for (const s of this.servers) s.kill('SIGKILL')
    for (const m of this.#mounts) {
      try { execFileSync('umount', ['-l', m], { stdio: 'pipe' }) } catch { /* not mounted */ }
    }
    rmSync(this.#base, { recursive: true, force: true })
  }
}
