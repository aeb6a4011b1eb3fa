/**
 * What the cluster commands (`ls`, `stat`, `get`, `put`, `find`, `status`) share: the
 * discovery options, connecting (closed again when the command ends or is interrupted),
 * warnings about servers that did not answer, and human-readable sizes.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { Cluster } from '../cluster/cluster.js'
import type { ClusterOptions } from '../cluster/cluster-options.js'
import type { NodeFailure } from '../cluster/cluster-types.js'
import { DestroyedError, NodeUnreachableError } from '../errors.js'
import { parseServerList } from '../internal/server-address.js'
import { stoppedExit } from './closed-output.js'
import type { CliIo } from './command.js'
import { intOption, MAX_TIMER_MS } from './int-option.js'

/** parseArgs options every cluster command accepts. */
export const clusterArgOptions = {
  cluster: { type: 'string' },
  servers: { type: 'string', multiple: true },
  substring: { type: 'boolean', default: false },
  'no-mdns': { type: 'boolean', default: false },
  'mdns-interface': { type: 'string' },
  registry: { type: 'string' },
  'no-registry': { type: 'boolean', default: false },
  'discovery-timeout': { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false }
} as const satisfies ParseArgsConfig['options']

/** The parsed values of `clusterArgOptions`. */
export interface ClusterArgValues {
  readonly cluster?: string | undefined
  readonly servers?: string[] | undefined
  readonly substring?: boolean | undefined
  readonly 'no-mdns'?: boolean | undefined
  readonly 'mdns-interface'?: string | undefined
  readonly registry?: string | undefined
  readonly 'no-registry'?: boolean | undefined
  readonly 'discovery-timeout'?: string | undefined
  readonly timeout?: string | undefined
  /** Commands with --strict: a named server that does not answer is an error. */
  readonly strict?: boolean | undefined
}

/** Help text of the shared options and the exit codes. */
export const clusterArgsHelp = `Finding the cluster:
  --cluster NAME           cluster (default: $PYME_CLUSTER, PYME's config.yaml dataserver-filter, this computer's name)
  --servers ADDR,...       data servers to use, as host:port, host or http://host:port/ (also
                           $PYME_CLUSTER_SERVERS); exactly these unless --cluster or --registry
  --substring              match the cluster name as a substring of server names (PYME's rule; '' = every cluster)
  --no-mdns                do not browse mDNS
  --mdns-interface IF      browse mDNS on this interface (name or IPv4 address) only
  --registry FILE          PYME's host-local SQLite registry (default: <tmp>/_pyme-http.sqlite)
  --no-registry            do not read the registry
  --discovery-timeout MS   how long to wait for servers (default 5000)
  --timeout MS             how long to wait for a data server's answer (default: listings 10000,
                           reads 5000, writes 10000, status 2000); a server that does not answer
                           in time is skipped with a warning (listings) or tried elsewhere (reads)
  --json                   machine-readable output`

/** Exit codes, for each command's --help. */
export const exitCodesHelp = `Exit codes:
  0 success; 1 other failure; 2 usage error or bad name/URI; 3 not found; 4 already exists;
  5 no data server found, or a server could not be reached; 6 data verification failed;
  7 timeout; 130 interrupted`

/** The --help text of a cluster command: synopsis, description, its own options, then the shared ones. */
export function clusterUsage (synopsis: string, body: string): string {
  return `Usage: pyme-cluster ${synopsis}\n\n${body.trim()}\n\n${clusterArgsHelp}\n\n${exitCodesHelp}\n`
}

type ArgOptions = NonNullable<ParseArgsConfig['options']>

/** parseArgs with the shared options plus `extra`, positionals allowed. */
// The return type is spelled out because the inferred one names a type node:util does not export
// (declaration emit fails with TS4058, and with it `npm run build`).
export function parseClusterArgs<const O extends ArgOptions> (args: readonly string[], extra: O):
ReturnType<typeof parseArgs<{ args: string[], allowPositionals: true, strict: true, options: typeof clusterArgOptions & O }>> {
  return parseArgs({ args: [...args], allowPositionals: true, strict: true, options: { ...clusterArgOptions, ...extra } })
}

/**
 * ClusterOptions from the shared command-line options. Servers given (`--servers` or
 * `$PYME_CLUSTER_SERVERS`) without `--cluster` or `--registry` are used alone: no mDNS and no
 * registry, so the command talks to exactly those servers and names them in its messages.
 */
export function clusterOptionsFrom (values: ClusterArgValues, io: CliIo): ClusterOptions {
  const given = values.servers !== undefined
    ? parseServerList(values.servers, '--servers')
    : parseServerList(io.env['PYME_CLUSTER_SERVERS'] ?? '', 'PYME_CLUSTER_SERVERS')
  const servers = given.map((s) => s.url)
  const alone = servers.length > 0 && values.cluster === undefined && values.registry === undefined
  const timeout = intOption(values['discovery-timeout'], 'discovery-timeout', 0, MAX_TIMER_MS)
  const request = intOption(values.timeout, 'timeout', 1, MAX_TIMER_MS)
  let mdns: ClusterOptions['mdns']
  if (values['no-mdns'] === true) mdns = false
  else if (values['mdns-interface'] !== undefined) mdns = { interface: values['mdns-interface'] }
  return {
    env: io.env,
    ...(values.cluster === undefined ? {} : { cluster: values.cluster }),
    ...(servers.length === 0 ? {} : { servers }),
    ...(values.substring === true ? { serverfilter: { match: 'substring' } } : {}),
    ...(mdns === undefined ? {} : { mdns }),
    ...(values['no-registry'] === true || alone ? { registry: false } : values.registry === undefined ? {} : { registry: { path: values.registry } }),
    ...(timeout === undefined ? {} : { discoveryTimeoutMs: timeout }),
    ...(request === undefined ? {} : { listTimeoutMs: request, getTimeoutMs: request, putTimeoutMs: request, statusTimeoutMs: request, globTimeoutMs: request })
  }
}

/**
 * Connects, runs `fn`, and closes the client. An interrupt (io.signal) destroys the client so
 * that running requests end at once; the command then exits 130.
 */
export async function withCluster (values: ClusterArgValues, io: CliIo, fn: (cluster: Cluster) => Promise<number>, extra: Partial<ClusterOptions> = {}): Promise<number> {
  const options = { ...clusterOptionsFrom(values, io), ...extra }
  const cluster = await Cluster.connect(options)
  // Servers named on the command line that did not answer are left out: say so.
  const live = new Set(cluster.servers().map((s) => s.url))
  const missing = (options.servers ?? []).filter((url) => !live.has(url))
  if (missing.length > 0 && values.strict === true) {
    await cluster.close()
    throw new NodeUnreachableError(`${missing.join(', ')} did not answer`)
  }
  for (const url of missing) io.stderr.write(`pyme-cluster: warning: ${url} did not answer; going on without it\n`)
  const onAbort = (): void => { void cluster.destroy() }
  io.signal.addEventListener('abort', onAbort, { once: true })
  try {
    if (io.signal.aborted) {
      // Interrupted while connecting: the listener came too late to fire.
      await cluster.destroy()
      throw new DestroyedError('interrupted')
    }
    return await fn(cluster)
  } catch (err) {
    if (!io.signal.aborted) throw err
    return stoppedExit(io)
  } finally {
    io.signal.removeEventListener('abort', onAbort)
    await cluster.close()
  }
}

/** Prints one warning line per server that did not answer; with `strict`, throws instead. */
export function reportUnreachable (failures: readonly NodeFailure[], io: CliIo, strict: boolean, what: string): void {
  if (failures.length === 0) return
  if (strict) {
    throw new NodeUnreachableError(`${what} is incomplete: ${failures.map((f) => `${f.server.url} (${f.error.message})`).join('; ')}`, { cause: failures[0]?.error })
  }
  for (const f of failures) {
    io.stderr.write(`pyme-cluster: warning: ${f.server.url} did not answer (${f.error.code}); ${what} may be incomplete\n`)
  }
}

/** `412 B`, `1.5 KiB`, `3.25 GiB`. */
export function humanSize (bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?'
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let v = bytes
  let u = -1
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u] as string}`
}

/** Pads columns to their widest cell (the last column is not padded). */
export function formatTable (rows: ReadonlyArray<readonly string[]>): string {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length) })
  return rows.map((row) => row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n') + '\n'
}

/** A JSON-friendly form of a node failure. */
export function failureJson (f: NodeFailure): { url: string, code: string, message: string } {
  return { url: f.server.url, code: f.error.code, message: f.error.message }
}
