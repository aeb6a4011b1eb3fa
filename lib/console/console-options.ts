/**
 * Options of `startConsole` and their validation: once, through the options module
 * (lib/internal/options.ts), so a bad value reads as everywhere else (`invalid port: expected an
 * integer from 0 to 65535`) and a misspelt key (`decodeThread`) is refused, never ignored.
 * The parts (FrameDecoder, SeriesCatalog, NodeMonitor) take the resolved values.
 */
import { availableParallelism } from 'node:os'
import { Cluster } from '../cluster/cluster.js'
import { InvalidArgumentError } from '../errors.js'
import { byteSizeOption, checkOptionsObject, durationOption, integerOption, stringOption, type OptionKeys } from '../internal/options.js'
import { MAX_TIMER_MS } from '../internal/timer-limit.js'

/** Options of `startConsole`. */
export interface ConsoleOptions {
  /** A connected cluster client; the console uses it and leaves it open. */
  readonly cluster: Cluster
  /** Address to bind. Anything but loopback needs a token. @default '127.0.0.1' */
  readonly host?: string
  /** TCP port, 0 for any free one. @default 8080 */
  readonly port?: number
  /**
   * The access token (bearer token or basic-auth password), at least 8 characters, no spaces
   * or colons. `undefined`: none on loopback, a generated one on any other address (read it
   * from `ConsoleServer.token`).
   */
  readonly token?: string
  /** Decode worker threads for TIFF pages, 1 to 64. @default min(8, os.availableParallelism()) */
  readonly decodeThreads?: number
  /** Frames read or decoded at once, across every client, 1 to 1024. @default decodeThreads * 2 */
  readonly maxDecodes?: number
  /** Bytes of decoded frames kept (0: none). @default 268435456 */
  readonly frameCacheBytes?: number
  /** Series kept open, 1 to 1000000. @default 256 */
  readonly maxSeries?: number
  /** How often a series still being written is looked at again, ms, 0 to 2147483647. @default 1000 */
  readonly refreshMs?: number
  /** How long the union listing may lag (SeriesReader's `settleMs`), ms, 0 to 600000. @default 1000 */
  readonly settleMs?: number
  /** Time between status polls of the data servers, ms, 100 to 3600000. @default 2000 */
  readonly statusIntervalMs?: number
  /** Directory of the built page. @default dist/console-ui */
  readonly assetsDir?: string
}

/** Options after defaults and validation. */
export interface ResolvedConsoleOptions {
  readonly cluster: Cluster
  readonly host: string
  readonly port: number
  readonly token: string | undefined
  readonly decodeThreads: number
  readonly maxDecodes: number
  readonly frameCacheBytes: number
  readonly maxSeries: number
  readonly refreshMs: number
  readonly settleMs: number
  readonly statusIntervalMs: number
  readonly assetsDir: string | undefined
}

/** The console's default port (as many local web tools). */
export const DEFAULT_CONSOLE_PORT = 8080

const CONSOLE_OPTION_KEYS = {
  cluster: true, host: true, port: true, token: true, decodeThreads: true, maxDecodes: true, frameCacheBytes: true,
  maxSeries: true, refreshMs: true, settleMs: true, statusIntervalMs: true, assetsDir: true
} as const satisfies Record<keyof ConsoleOptions, true> & OptionKeys

/** Applies defaults and validates; throws InvalidArgumentError naming the bad option. */
export function resolveConsoleOptions (options: ConsoleOptions): ResolvedConsoleOptions {
  if (options === undefined) throw new InvalidArgumentError('invalid options: expected { cluster }')
  checkOptionsObject(options, CONSOLE_OPTION_KEYS)
  if (!(options.cluster instanceof Cluster)) throw new InvalidArgumentError('invalid cluster: expected a connected Cluster (Cluster.connect)')
  const decodeThreads = integerOption(options.decodeThreads, 'decodeThreads', { min: 1, max: 64, default: Math.min(8, availableParallelism()) })
  return {
    cluster: options.cluster,
    host: stringOption(options.host, 'host', '127.0.0.1'),
    port: integerOption(options.port, 'port', { min: 0, max: 65535, default: DEFAULT_CONSOLE_PORT }),
    token: stringOption(options.token, 'token', undefined),
    decodeThreads,
    maxDecodes: integerOption(options.maxDecodes, 'maxDecodes', { min: 1, max: 1024, default: decodeThreads * 2 }),
    frameCacheBytes: byteSizeOption(options.frameCacheBytes, 'frameCacheBytes', { min: 0, max: Number.MAX_SAFE_INTEGER, default: 256 * 1024 * 1024 }),
    maxSeries: integerOption(options.maxSeries, 'maxSeries', { min: 1, max: 1_000_000, default: 256 }),
    refreshMs: durationOption(options.refreshMs, 'refreshMs', { min: 0, max: MAX_TIMER_MS, default: 1000 }),
    settleMs: durationOption(options.settleMs, 'settleMs', { min: 0, max: 600_000, default: 1000 }),
    statusIntervalMs: durationOption(options.statusIntervalMs, 'statusIntervalMs', { min: 100, max: 3_600_000, default: 2000 }),
    assetsDir: stringOption(options.assetsDir, 'assetsDir', undefined)
  }
}
