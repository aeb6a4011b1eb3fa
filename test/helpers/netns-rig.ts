/**
 * A small cluster of real hosts on this machine: one network namespace per host, each with a
 * veth pair whose outer end is enslaved to a private bridge. Addresses come from
 * 198.18.0.0/15 (RFC 2544, reserved for network benchmark tests) and exist only inside the
 * namespaces; the bridge has no address, so nothing here can reach or be reached from the
 * machine's real network.
 *
 *   ns pyme-<run>-h0 (198.18.0.1) ─ veth ─┐
 *   ns pyme-<run>-h1 (198.18.0.2) ─ veth ─┤ bridge pb<run> (no address)
 *   ns pyme-<run>-h2 (198.18.0.3) ─ veth ─┘
 *
 * Names embed the creating process id, so parallel runs cannot collide and a later run can
 * remove what a killed run left behind (`sweepStaleRigs`). Requires root and iproute2.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { randomBytes } from 'node:crypto'

/** One host of the rig: a namespace with one interface and one address. */
export interface RigHost {
  readonly netns: string
  readonly address: string
  /** The interface inside the namespace. */
  readonly iface: string
  /** The bridge-side end of the veth pair (in the root namespace). */
  readonly hostIface: string
  /** Runs a command inside the namespace and returns its stdout. */
  exec (file: string, args: readonly string[]): string
  /** Spawns a long-running process inside the namespace. */
  spawn (file: string, args: readonly string[], options?: SpawnOptions): ChildProcess
  /** Cuts this host off the bridge (carrier down on the bridge side). */
  linkDown (): void
  linkUp (): void
}

export interface Rig {
  readonly id: string
  readonly bridge: string
  readonly hosts: readonly RigHost[]
  /** Removes every namespace, interface and the bridge. Idempotent. */
  destroy (): void
}

export interface RigOptions {
  /** Number of hosts. */
  readonly hosts: number
  /** Third octet of the 198.18.x.0/24 subnet. @default 0 */
  readonly subnet?: number
}

const PREFIX = 'pyme-'

function ip (args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

function quiet (args: readonly string[]): void {
  try { ip(args) } catch { /* already gone */ }
}

/** Why namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailableReason (): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`
  if (process.getuid?.() !== 0) return 'network namespaces need root (CI runs as root; this process does not)'
  const probe = `${PREFIX}probe${process.pid}`
  try {
    ip(['netns', 'add', probe])
    ip(['netns', 'exec', probe, 'ip', 'link', 'set', 'lo', 'up'])
    return undefined
  } catch (err) {
    return `the machine refuses network namespaces: ${(err as Error).message.split('\n')[0] ?? ''}`
  } finally {
    quiet(['netns', 'del', probe])
  }
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Removes namespaces and bridges left by runs whose process is gone. */
export function sweepStaleRigs (): void {
  let list = ''
  try { list = ip(['netns', 'list']) } catch { return }
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? ''
    const m = /^pyme-(\d+)x[0-9a-f]+-h\d+$/.exec(name)
    if (m !== null && !alive(Number(m[1]))) quiet(['netns', 'del', name])
  }
  let links = ''
  try { links = ip(['-o', 'link', 'show', 'type', 'bridge']) } catch { return }
  for (const m of links.matchAll(/^\d+: (pb(\d+)x[0-9a-f]+):/gm)) {
    if (!alive(Number(m[2]))) quiet(['link', 'del', m[1] ?? ''])
  }
}

/** Builds a rig; call `destroy()` in a teardown (also runs on process exit). */
export function createRig (options: RigOptions): Rig {
  const n = options.hosts
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new RangeError('hosts must be 1..200')
  const subnet = options.subnet ?? 0
  const tag = `${process.pid}x${randomBytes(2).toString('hex')}`
  // Interface names are limited to 15 bytes: 'pb' + pid (≤7) + 'x' + 4 hex = ≤14.
  const bridge = `pb${tag}`
  const hosts: RigHost[] = []
  let destroyed = false
  const netnsNames: string[] = []

  const destroy = (): void => {
    if (destroyed) return
    destroyed = true
    process.off('exit', destroy)
    for (const ns of netnsNames) quiet(['netns', 'del', ns])
    quiet(['link', 'del', bridge])
  }
  process.on('exit', destroy)

  try {
    ip(['link', 'add', bridge, 'type', 'bridge'])
    ip(['link', 'set', bridge, 'up'])
    for (let i = 0; i < n; i++) {
      const netns = `${PREFIX}${tag}-h${i}`
      const outer = `v${tag.slice(-4)}${process.pid % 1000}o${i}`.slice(0, 15)
      const inner = `eth${i}x`
      const address = `198.18.${subnet}.${i + 1}`
      ip(['netns', 'add', netns])
      netnsNames.push(netns)
      ip(['link', 'add', outer, 'type', 'veth', 'peer', 'name', inner, 'netns', netns])
      ip(['link', 'set', outer, 'master', bridge])
      ip(['link', 'set', outer, 'up'])
      ip(['netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up'])
      ip(['netns', 'exec', netns, 'ip', 'addr', 'add', `${address}/24`, 'dev', inner])
      ip(['netns', 'exec', netns, 'ip', 'link', 'set', inner, 'up'])
      // mDNS needs a multicast route; without one the kernel has nowhere to send 224.0.0.251.
      ip(['netns', 'exec', netns, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', inner])
      hosts.push({
        netns,
        address,
        iface: inner,
        hostIface: outer,
        exec: (file, args) => execFileSync('ip', ['netns', 'exec', netns, file, ...args], { encoding: 'utf8' }),
        spawn: (file, args, opts) => spawn('ip', ['netns', 'exec', netns, file, ...args], opts ?? {}),
        linkDown: () => { ip(['link', 'set', outer, 'down']) },
        linkUp: () => { ip(['link', 'set', outer, 'up']) }
      })
    }
  } catch (err) {
    destroy()
    throw err
  }
  return { id: tag, bridge, hosts, destroy }
}
