/**
 * Options of the `Streamer`, their defaults and their validation (once, in the constructor;
 * `InvalidArgumentError` names the option).
 */
import { totalmem, tmpdir } from 'node:os'
import { InvalidArgumentError } from '../errors.js'
import { byteSizeOption, checkOptionsObject, durationOption, enumError, enumOption, integerOption, type OptionKeys } from '../internal/options.js'
import { MAX_TIMER_MS } from '../internal/timer-limit.js'
import { systemClock, type Clock } from '../internal/clock.js'
import { parseServerAddress } from '../internal/server-address.js'
import type { DiscoveryOptions, NodeDirectory } from '../discovery/index.js'
import type { PzfEncodedInto, PzfEncodeOptions } from '../pzf/index.js'
import type { DistributionFn, DistributionName } from './distribution.js'
import type { FramePixels } from './stream-item.js'

/** What `memoryBudget` is when not given: 1 GiB, or a quarter of the RAM if that is less. */
export const DEFAULT_MEMORY_BUDGET = Math.min(1024 * 1024 * 1024, Math.floor(totalmem() / 4))

/** What happens to a file that does not fit in the memory budget. */
export type OverflowPolicy = 'block' | 'drop' | 'spill'

/**
 * The encode hook for `putFrame`: PYME's PZF encoding (base options; per-frame options are
 * merged over them), or a function exported by a user module run on the worker pool
 * (`fn(data, arg) → Uint8Array`).
 */
export type StreamFilter =
  | { readonly pzf: Partial<PzfEncodeOptions> }
  | { readonly module: string | URL, readonly exportName?: string, readonly arg?: unknown }

/** The part of `PzfEncoderPool` the streamer uses (pass one to share it between streamers). */
export interface EncoderPool {
  encode (pixels: FramePixels, options: PzfEncodeOptions, opts?: { readonly transfer?: boolean }): Promise<Uint8Array>
  encodeInto (pixels: FramePixels, options: PzfEncodeOptions, target: ArrayBuffer, opts?: { readonly transfer?: boolean }): Promise<PzfEncodedInto>
  runFilter (module: string | URL, exportName: string, data: FramePixels, arg?: unknown, opts?: { readonly transfer?: boolean }): Promise<Uint8Array>
  close (): Promise<void>
  destroy (): Promise<void> | void
}

/** Options of `new Streamer(options)`. Give `servers`, `cluster` or `discovery`. */
export interface StreamerOptions {
  /**
   * Data servers (`host:port`, `host` or `http://host:port/`), in the order distribution
   * indexes them; reported as `http://host:port/`.
   */
  readonly servers?: readonly string[]
  /**
   * Find the servers by discovery: a cluster name or full discovery options. The streamer
   * starts discovery, follows servers that come and go, and stops it on close. Files put before
   * the first server is found wait (within the budget).
   */
  readonly cluster?: string | DiscoveryOptions
  /** A running node directory to follow (not closed by the streamer). */
  readonly discovery?: NodeDirectory
  /** HTTP/1.1 pipelining depth per connection. @default 16 */
  readonly pipelining?: number
  /** Connections per node (1 = an undici `Client`, more = a `Pool`). @default 1 */
  readonly connections?: number
  /** Bytes in flight per node (at least one request is always allowed). @default 64 MiB */
  readonly windowBytes?: number
  /**
   * Which node each file goes to: a built-in name or a function
   * `(nNodes, { index, path, nodes }) => nodeIndex`. @default 'round-robin'
   */
  readonly distribution?: DistributionName | DistributionFn
  /** Frames per block for `distribution: 'chunked'`. @default 50 */
  readonly chunkSize?: number
  /**
   * Encode hook for `putFrame`. Raw PZF frames are framed on the calling thread (a header and one
   * copy into reused memory; none with `transfer`); other PZF frames and module filters run on
   * worker threads. @default none: putFrame is refused
   */
  readonly filter?: StreamFilter
  /** A worker pool to use for the filter (not closed by the streamer). @default a pool of its own */
  readonly encoderPool?: EncoderPool
  /**
   * Worker threads of the streamer's own pool; `0` encodes on the calling thread (inside
   * `putFrame`). @default the pool's default
   */
  readonly encoderThreads?: number
  /** Bytes held at most (queued, encoding, in flight). @default min(1 GiB, RAM / 4) */
  readonly memoryBudget?: number
  /** Policy when a file does not fit in the budget. @default 'block' */
  readonly overflow?: OverflowPolicy
  /** Directory of the spill journal (`overflow: 'spill'`). @default os.tmpdir() */
  readonly spillDir?: string
  /** Largest spill journal in bytes; beyond it `put` behaves as with `'block'`. @default Infinity */
  readonly spillLimit?: number
  /** A node with requests in flight that answers none for this long is marked down, ms (10 to 2147483647). @default 10000 */
  readonly ackTimeoutMs?: number
  /** Sends per file before it is reported failed. @default 5 */
  readonly maxAttempts?: number
  /** The one deadline of a close, from `close()` (or `beginClose()`), ms (1 to 2147483647): see `Streamer.close`. @default 60000 */
  readonly closeTimeoutMs?: number
  /**
   * Back-off of probes of a down (or full) node: doubles from `minMs` to `maxMs` (each at most
   * 2147483647, Node's timer limit). @default { minMs: 100, maxMs: 10000 }
   */
  readonly backoff?: { readonly minMs?: number, readonly maxMs?: number }
  /**
   * Where the ack timeout, the back-off and the close timeout read the time and set their
   * timers: a virtual clock runs them without waiting (tests of code built on the Streamer).
   * @default the system clock (`Date.now()` and Node's timers)
   */
  readonly clock?: Clock
}

/** Options after defaults and validation. */
export interface ResolvedStreamerOptions {
  readonly servers: readonly string[]
  readonly cluster: string | DiscoveryOptions | undefined
  readonly discovery: NodeDirectory | undefined
  readonly pipelining: number
  readonly connections: number
  readonly windowBytes: number
  readonly distribution: DistributionName | DistributionFn
  readonly chunkSize: number
  readonly filter: StreamFilter | undefined
  readonly encoderPool: EncoderPool | undefined
  readonly encoderThreads: number | undefined
  readonly memoryBudget: number
  readonly overflow: OverflowPolicy
  readonly spillDir: string
  readonly spillLimit: number
  readonly ackTimeoutMs: number
  readonly maxAttempts: number
  readonly closeTimeoutMs: number
  readonly backoffMinMs: number
  readonly backoffMaxMs: number
  readonly clock: Clock
}

const STREAMER_OPTION_KEYS = {
  servers: true, cluster: true, discovery: true, pipelining: true, connections: true, windowBytes: true,
  distribution: true, chunkSize: true, filter: true, encoderPool: true, encoderThreads: true, memoryBudget: true,
  overflow: true, spillDir: true, spillLimit: true, ackTimeoutMs: true, maxAttempts: true, closeTimeoutMs: true,
  backoff: true, clock: true
} as const satisfies Record<keyof StreamerOptions, true> & OptionKeys

const BACKOFF_KEYS = { minMs: true, maxMs: true } as const satisfies Record<keyof NonNullable<StreamerOptions['backoff']>, true>

const DISTRIBUTIONS = ['round-robin', 'chunked', 'random', 'least-loaded'] as const satisfies readonly DistributionName[]

const MAX_BYTES = Number.MAX_SAFE_INTEGER

/**
 * A data server as `http://host:port/`, from any form a user may write (`host:port`, `host`,
 * `http://host:port/`): the one parser of lib/internal/server-address.ts.
 */
export function normaliseServerUrl (raw: unknown, name = 'servers'): string {
  return parseServerAddress(raw, name).url
}

function resolveClock (c: unknown): Clock {
  if (c === undefined) return systemClock
  const k = c as Partial<Record<keyof Clock, unknown>> | null
  if (typeof k !== 'object' || k === null || typeof k.now !== 'function' || typeof k.timeout !== 'function' || typeof k.interval !== 'function') {
    throw new InvalidArgumentError('invalid clock: expected { now, timeout, interval }')
  }
  return c as Clock
}

function resolveFilter (f: unknown): StreamFilter | undefined {
  if (f === undefined) return undefined
  if (typeof f !== 'object' || f === null) throw new InvalidArgumentError('invalid filter: expected { pzf } or { module, exportName?, arg? }')
  const o = f as Record<string, unknown>
  if ('pzf' in o) {
    if (typeof o.pzf !== 'object' || o.pzf === null) throw new InvalidArgumentError('invalid filter.pzf: expected PZF encode options')
    return { pzf: o.pzf as Partial<PzfEncodeOptions> }
  }
  if (typeof o.module === 'string' || o.module instanceof URL) {
    if (o.exportName !== undefined && typeof o.exportName !== 'string') throw new InvalidArgumentError('invalid filter.exportName: expected a string')
    return { module: o.module, exportName: (o.exportName as string | undefined) ?? 'default', arg: o.arg }
  }
  throw new InvalidArgumentError('invalid filter: expected { pzf } or { module, exportName?, arg? }')
}

/** Applies defaults and validates every option. */
export function resolveStreamerOptions (options: StreamerOptions): ResolvedStreamerOptions {
  if (options === undefined) throw new InvalidArgumentError('invalid options: expected an object')
  checkOptionsObject(options, STREAMER_OPTION_KEYS)
  const o = options
  if (o.servers !== undefined && !Array.isArray(o.servers)) throw new InvalidArgumentError("invalid servers: expected an array such as ['host:port', 'http://host:port/']")
  const servers = (o.servers ?? []).map((s) => normaliseServerUrl(s))
  if (new Set(servers).size !== servers.length) throw new InvalidArgumentError('invalid servers: a server is listed twice')
  if (o.cluster !== undefined && typeof o.cluster !== 'string' && (typeof o.cluster !== 'object' || o.cluster === null)) {
    throw new InvalidArgumentError('invalid cluster: expected a cluster name or discovery options')
  }
  if (o.discovery !== undefined && (typeof o.discovery !== 'object' || o.discovery === null || typeof (o.discovery as { servers?: unknown }).servers !== 'function')) {
    throw new InvalidArgumentError('invalid discovery: expected a NodeDirectory')
  }
  const sources = (servers.length > 0 ? 1 : 0) + (o.cluster !== undefined ? 1 : 0) + (o.discovery !== undefined ? 1 : 0)
  if (sources !== 1) throw new InvalidArgumentError('invalid servers: give exactly one of servers (non-empty), cluster or discovery')
  const distribution = o.distribution ?? 'round-robin'
  if (typeof distribution !== 'function' && !(DISTRIBUTIONS as readonly unknown[]).includes(distribution)) {
    throw enumError('distribution', DISTRIBUTIONS, 'a function')
  }
  const overflow = enumOption(o.overflow, 'overflow', ['block', 'drop', 'spill'], 'block')
  if (o.spillDir !== undefined && (typeof o.spillDir !== 'string' || o.spillDir === '')) throw new InvalidArgumentError('invalid spillDir: expected a directory path')
  const pool = o.encoderPool
  if (pool !== undefined && (typeof pool !== 'object' || pool === null || typeof pool.encode !== 'function')) {
    throw new InvalidArgumentError('invalid encoderPool: expected a PzfEncoderPool')
  }
  checkOptionsObject(o.backoff, BACKOFF_KEYS, 'backoff')
  const backoffMinMs = durationOption(o.backoff?.minMs, 'backoff.minMs', { min: 1, max: MAX_TIMER_MS, default: 100 })
  const backoffMaxMs = durationOption(o.backoff?.maxMs, 'backoff.maxMs', { min: backoffMinMs, max: MAX_TIMER_MS, default: Math.max(10_000, backoffMinMs) })
  return {
    servers,
    cluster: o.cluster,
    discovery: o.discovery,
    pipelining: integerOption(o.pipelining, 'pipelining', { min: 1, max: 1024, default: 16 }),
    connections: integerOption(o.connections, 'connections', { min: 1, max: 64, default: 1 }),
    windowBytes: byteSizeOption(o.windowBytes, 'windowBytes', { min: 1, max: MAX_BYTES, default: 64 * 1024 * 1024 }),
    distribution,
    chunkSize: integerOption(o.chunkSize, 'chunkSize', { min: 1, max: Number.MAX_SAFE_INTEGER, default: 50 }),
    filter: resolveFilter(o.filter),
    encoderPool: pool,
    encoderThreads: integerOption(o.encoderThreads, 'encoderThreads', { min: 0, max: 256, default: undefined }),
    memoryBudget: byteSizeOption(o.memoryBudget, 'memoryBudget', { min: 1, max: MAX_BYTES, default: DEFAULT_MEMORY_BUDGET }),
    overflow,
    spillDir: o.spillDir ?? tmpdir(),
    spillLimit: byteSizeOption(o.spillLimit, 'spillLimit', { min: 1, max: MAX_BYTES, default: Infinity, infinite: true }),
    ackTimeoutMs: durationOption(o.ackTimeoutMs, 'ackTimeoutMs', { min: 10, max: MAX_TIMER_MS, default: 10_000 }),
    maxAttempts: integerOption(o.maxAttempts, 'maxAttempts', { min: 1, max: 1000, default: 5 }),
    closeTimeoutMs: durationOption(o.closeTimeoutMs, 'closeTimeoutMs', { min: 1, max: MAX_TIMER_MS, default: 60_000 }),
    backoffMinMs,
    backoffMaxMs,
    clock: resolveClock(o.clock)
  }
}
