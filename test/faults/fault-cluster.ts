/**
 * The cluster a fault scenario runs on: one network namespace per storage node and one for
 * the acquiring client (test/helpers/netns-rig.ts, 198.18.x.0/24 on a private bridge), one
 * data server process in each node namespace, and the client's processes spawned in the
 * client namespace. Where the machine refuses namespaces, the same on loopback: servers on
 * 127.0.0.1, clients as plain child processes (`mode: 'loopback'`, `reason` says why).
 *
 *   ns h0 ─ server 198.18.s.1 ─┐
 *   ns h1 ─ server 198.18.s.2 ─┤ bridge ─ ns h3: acquire / resume / verify clients
 *   ns h2 ─ server 198.18.s.3 ─┘
 *
 * A node's root may be a small tmpfs (disk full). Everything is removed by `destroy()`, also
 * on process exit (servers SIGKILLed, tmpfs unmounted, namespaces deleted).
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRig, netnsUnavailableReason, sweepStaleRigs, type Rig, type RigHost } from '../helpers/netns-rig.js'
import { startServerProcess, type ServerProcess, type ServerProcessOptions } from '../helpers/server-process.js'

export interface FaultClusterOptions {
  /** Storage nodes. @default 3 */
  readonly nodes?: number
  /** Third octet of the rig's subnet (distinct per concurrent cluster). */
  readonly subnet: number
  /** Cluster name the servers advertise (mDNS). */
  readonly cluster: string
  /** Advertise over mDNS (netns only; loopback never multicasts). @default true */
  readonly mdns?: boolean
  /** Give node `index` a tmpfs root of `bytes`. */
  readonly tmpfs?: { readonly index: number, readonly bytes: number }
  /** Force loopback even where namespaces work (tests of the fallback). @default false */
  readonly loopback?: boolean
}

/** One storage node. */
export interface FaultNode {
  readonly index: number
  /** `http://<address>:<port>/` (stable across restarts). */
  readonly url: string
  readonly root: string
  /** The current server process. */
  server: ServerProcess
  /** The node's host in the rig (netns mode). */
  readonly host: RigHost | undefined
}

function mountTmpfs (dir: string, bytes: number): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' })
}

function unmount (dir: string): void {
  try { execFileSync('umount', ['-l', dir], { stdio: 'pipe' }) } catch { /* not mounted */ }
}

export class FaultCluster {
  readonly mode: 'netns' | 'loopback'
  /** Why namespaces were not used (loopback mode). */
  readonly reason: string | undefined
  readonly nodes: FaultNode[] = []
  readonly #rig: Rig | null
  readonly #client: RigHost | undefined
  readonly #base: string
  readonly #mounts: string[] = []
  readonly #serverOptions: (i: number) => ServerProcessOptions
  #destroyed = false
  readonly #onExit = (): void => { this.#destroySync() }

  private constructor (rig: Rig | null, reason: string | undefined, options: FaultClusterOptions) {
    this.#rig = rig
    this.mode = rig === null ? 'loopback' : 'netns'
    this.reason = reason
    this.#client = rig?.hosts[rig.hosts.length - 1]
    this.#base = mkdtempSync(join(tmpdir(), 'pyme-faults-'))
    const mdns = options.mdns !== false && rig !== null
    this.#serverOptions = (i) => {
      const host = rig?.hosts[i]
      return {
        root: join(this.#base, `node${i}`),
        host: host?.address ?? '127.0.0.1',
        cluster: options.cluster,
        advertise: mdns ? 'mdns' : 'none',
        ...(host === undefined ? {} : { netns: host.netns, interface: host.iface }),
        startTimeoutMs: 60_000
      }
    }
    process.on('exit', this.#onExit)
  }

  /** Builds the rig (or decides on loopback) and starts one server per node. */
  static async start (options: FaultClusterOptions): Promise<FaultCluster> {
    const n = options.nodes ?? 3
    const reason = options.loopback === true ? 'loopback asked for' : netnsUnavailableReason()
    let rig: Rig | null = null
    if (reason === undefined) {
      sweepStaleRigs()
      rig = createRig({ hosts: n + 1, subnet: options.subnet })
    }
    const fc = new FaultCluster(rig, reason, options)
    try {
      await Promise.all(Array.from({ length: n }, async (_, i) => {
        const opts = fc.#serverOptions(i)
        execFileSync('mkdir', ['-p', opts.root as string])
        if (options.tmpfs?.index === i) {
          mountTmpfs(opts.root as string, options.tmpfs.bytes)
          fc.#mounts.push(opts.root as string)
        }
        const server = await startServerProcess(opts)
        fc.nodes[i] = { index: i, url: server.url, root: server.root, server, host: rig?.hosts[i] }
      }))
    } catch (err) {
      await fc.destroy()
      throw err
    }
    return fc
  }

  /** Where the clients run: 'netns <name>' or 'loopback'. */
  get where (): string { return this.#client === undefined ? 'loopback' : `netns ${this.#client.netns}` }

  /** The client namespace's interface (for mDNS), if any. */
  get clientInterface (): string | undefined { return this.#client?.iface }

  /** Whether the servers advertise over mDNS. */
  get advertises (): boolean { return this.#serverOptions(0).advertise === 'mdns' }

  get urls (): string[] { return this.nodes.map((n) => n.url) }

  /** Spawns a process where the clients run. */
  spawnClient (file: string, args: readonly string[], options: SpawnOptions): ChildProcess {
    return this.#client === undefined ? spawn(file, args, options) : this.#client.spawn(file, args, options)
  }

  /** A fresh directory under the cluster's temp base (removed by destroy). */
  tempDir (name: string): string {
    const dir = join(this.#base, name)
    execFileSync('mkdir', ['-p', dir])
    return dir
  }

  signal (i: number, signal: NodeJS.Signals): void {
    this.#node(i).server.kill(signal)
  }

  /** Starts node `i` again (same port, same root); kills it first if it still runs. */
  async restart (i: number): Promise<void> {
    const node = this.#node(i)
    node.server = await node.server.restart()
  }

  linkDown (i: number): void {
    const host = this.#node(i).host
    if (host === undefined) throw new Error('linkDown needs network namespaces')
    host.linkDown()
  }

  linkUp (i: number): void {
    this.#node(i).host?.linkUp()
  }

  #node (i: number): FaultNode {
    const node = this.nodes[i]
    if (node === undefined) throw new RangeError(`no node ${i}`)
    return node
  }

  /** Stops every server, unmounts, removes the namespaces and the temp base. Idempotent. */
  async destroy (): Promise<void> {
    if (this.#destroyed) return
    await Promise.allSettled(this.nodes.map((n) => n.server.stop()))
    this.#destroySync()
  }

  #destroySync (): void {
    if (this.#destroyed) return
    this.#destroyed = true
    process.off('exit', this.#onExit)
    for (const n of this.nodes) n.server.kill('SIGKILL')
    for (const dir of this.#mounts) unmount(dir)
    this.#rig?.destroy()
    rmSync(this.#base, { recursive: true, force: true })
  }
}
