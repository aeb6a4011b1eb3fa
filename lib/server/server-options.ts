/**
 * Options of `startDataServer` and their validation (once, with InvalidArgumentError naming
 * the option). Defaults follow PYME's `HTTPDataServer` (PROTOCOL.md §3.3) where it has one.
 */
import { accessSync, constants, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { isIP } from 'node:net'
import { join, resolve } from 'node:path'
import { InvalidArgumentError } from '../errors.js'
import { computerName } from '../internal/computer-name.js'
import { booleanOption, byteSizeOption, checkOptionsObject, durationOption, enumOption, integerOption, stringOption, type OptionKeys } from '../internal/options.js'
import { validateClusterName } from '../internal/service-name.js'
import { defaultRegistryPath } from '../internal/sqlite-registry.js'
import { MAX_TIMER_MS } from '../internal/timer-limit.js'

/** How a server makes itself known: mDNS on the LAN, PYME's host-local SQLite registry, or not at all. */
export type AdvertiseMode = 'mdns' | 'local' | 'none'

export interface DataServerOptions {
  /**
   * Data root directory (created if missing).
   * @default `$PYMEDATADIR` if set and writable, else `~/PYMEData` (as PYME)
   */
  readonly root?: string
  /** TCP port; 0 picks a free one. @default 15348 */
  readonly port?: number
  /**
   * Address to bind.
   * @default '0.0.0.0' (all interfaces) with `advertise: 'mdns'`, else '127.0.0.1'
   */
  readonly host?: string
  /** Cluster name in the instance name (the serverfilter). @default computerName() */
  readonly cluster?: string
  /** @default 'none' */
  readonly advertise?: AdvertiseMode
  /** IPv4 address announced over mDNS. @default the address of `interface` or of the default route */
  readonly advertiseAddress?: string
  /** Network interface (name or one of its IPv4 addresses) for mDNS. @default the default route's */
  readonly interface?: string
  /** SQLite registry for `advertise: 'local'`. @default defaultRegistryPath() (`<tmp>/_pyme-http.sqlite`) */
  readonly registryPath?: string
  /** Refuse every PUT with 403. @default false */
  readonly readOnly?: boolean
  /** Largest request body (after gzip decoding too), bytes. @default 8 GiB */
  readonly maxBodyBytes?: number
  /** fsync each file before it is linked into place, and its directory after. @default false (as PYME) */
  readonly fsync?: boolean
  /**
   * Commit uploads (open, fchmod, close, link, unlink) with synchronous system calls. `'auto'`
   * does so when the root is on a local file system (tmpfs, ext4, xfs, btrfs, ...), where they
   * take microseconds, and keeps them asynchronous on network file systems. Bodies larger than
   * 1 MiB are always written asynchronously. @default 'auto'
   */
  readonly syncCommit?: boolean | 'auto'
  /** PYME's `countdir` listing variant: directory sizes +2, `.h5` flagged 0x06. @default false */
  readonly countdirCompat?: boolean
  /**
   * Test aid (PYME's `--timeout-test`): delay every GET and PUT, ms, at most 600000: ten
   * minutes outlast every client timeout, and a longer delay only hides a mistyped value.
   * @default 0
   */
  readonly testDelayMs?: number
  /** Test aid (PYME's `-t`): PUT bodies are read and discarded, nothing stored. @default false */
  readonly testMode?: boolean
  /**
   * How long `close()` lets in-flight requests finish before cutting connections, ms, at most
   * 2147483647 (Node's timer limit; a server that should wait for as long as uploads take).
   * @default 10000
   */
  readonly closeTimeoutMs?: number
  /** Environment for the defaults (`PYMEDATADIR`, `PYME_COMPUTERNAME`, `TMPDIR`). @default process.env */
  readonly env?: NodeJS.ProcessEnv
}

/** Options after defaults and validation. */
export interface ResolvedServerOptions {
  readonly root: string
  readonly port: number
  readonly host: string
  readonly cluster: string
  readonly computerName: string
  readonly advertise: AdvertiseMode
  readonly advertiseAddress: string | undefined
  readonly interface: string | undefined
  readonly registryPath: string
  readonly readOnly: boolean
  readonly maxBodyBytes: number
  readonly fsync: boolean
  readonly syncCommit: boolean | 'auto'
  readonly countdirCompat: boolean
  readonly testDelayMs: number
  readonly testMode: boolean
  readonly closeTimeoutMs: number
}

/** Default data server port (PYME's `dataserver-port`). */
export const DEFAULT_PORT = 15348
const DEFAULT_MAX_BODY = 8 * 1024 ** 3

function writableDir (dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false
    accessSync(dir, constants.W_OK)
    return true
  } catch {
    return false
  }
}

/** PYME's default data root: `$PYMEDATADIR` if set and writable, else `~/PYMEData`. */
export function defaultDataRoot (env: NodeJS.ProcessEnv = process.env): string {
  const dir = env['PYMEDATADIR']
  if (dir !== undefined && dir !== '' && writableDir(dir)) return resolve(dir)
  return join(env['HOME'] ?? homedir(), 'PYMEData')
}

const SERVER_OPTION_KEYS = {
  root: true, port: true, host: true, cluster: true, advertise: true, advertiseAddress: true, interface: true,
  registryPath: true, readOnly: true, maxBodyBytes: true, fsync: true, syncCommit: true, countdirCompat: true,
  testDelayMs: true, testMode: true, closeTimeoutMs: true, env: true
} as const satisfies Record<keyof DataServerOptions, true> & OptionKeys

/** Applies defaults and validates; throws InvalidArgumentError naming the bad option. */
export function resolveServerOptions (options: DataServerOptions = {}): ResolvedServerOptions {
  checkOptionsObject(options, SERVER_OPTION_KEYS)
  const env = options.env ?? process.env
  const advertise = enumOption(options.advertise, 'advertise', ['mdns', 'local', 'none'], 'none')
  const text = (value: unknown, name: string): string | undefined => stringOption(value, name, undefined)
  const bool = (value: unknown, name: string, fallback: boolean): boolean => booleanOption(value, name, fallback)
  const host = text(options.host, 'host') ?? (advertise === 'mdns' ? '0.0.0.0' : '127.0.0.1')
  if (isIP(host) === 0 && host !== 'localhost') throw new InvalidArgumentError(`invalid host '${host}': expected an IP address`)
  const me = computerName(env)
  const cluster = options.cluster ?? me
  validateClusterName(cluster)
  const root = resolve(text(options.root, 'root') ?? defaultDataRoot(env))
  return {
    root,
    port: integerOption(options.port, 'port', { min: 0, max: 65535, default: DEFAULT_PORT }),
    host,
    cluster,
    computerName: me,
    advertise,
    advertiseAddress: text(options.advertiseAddress, 'advertiseAddress'),
    interface: text(options.interface, 'interface'),
    registryPath: text(options.registryPath, 'registryPath') ?? defaultRegistryPath('_pyme-http', env),
    readOnly: bool(options.readOnly, 'readOnly', false),
    maxBodyBytes: byteSizeOption(options.maxBodyBytes, 'maxBodyBytes', { min: 0, max: Number.MAX_SAFE_INTEGER, default: DEFAULT_MAX_BODY }),
    fsync: bool(options.fsync, 'fsync', false),
    syncCommit: options.syncCommit === 'auto' || options.syncCommit === undefined ? 'auto' : bool(options.syncCommit, 'syncCommit', false),
    countdirCompat: bool(options.countdirCompat, 'countdirCompat', false),
    testDelayMs: durationOption(options.testDelayMs, 'testDelayMs', { min: 0, max: 600_000, default: 0 }),
    testMode: bool(options.testMode, 'testMode', false),
    closeTimeoutMs: durationOption(options.closeTimeoutMs, 'closeTimeoutMs', { min: 0, max: MAX_TIMER_MS, default: 10_000 })
  }
}
