/**
 * `pyme-cluster status [--json]`: every data server discovery knows of and its `/__status`:
 * address, cluster, free space, load, responsive (PYME's `get_status`). A server that does
 * not answer is listed as such and makes the exit code 5.
 */
import { Cluster } from '../cluster/cluster.js'
import type { NodeStatus } from '../cluster/cluster-types.js'
import { discoveryOptionsOf, startDiscovery } from '../discovery/start-discovery.js'
import { silentStatus } from '../cluster/node-status.js'
import { InvalidArgumentError, NoServersError } from '../errors.js'
import { clusterOptionsFrom, clusterUsage, parseClusterArgs, formatTable, humanSize } from './cluster-options.js'
import { stoppedExit } from './closed-output.js'
import type { CliIo, Command } from './command.js'
import { exitCodes } from './exit-codes.js'

function load (s: NodeStatus): string {
  const cpu = s.cpuUsage
  if (cpu === undefined || cpu.length === 0) return '-'
  return `${(cpu.reduce((a, b) => a + b, 0) / cpu.length).toFixed(0)}%`
}

function statusJson (s: NodeStatus): Record<string, unknown> {
  return {
    name: s.server.name,
    url: s.server.url,
    source: s.server.source,
    local: s.server.local,
    responsive: s.responsive,
    cluster: s.cluster ?? null,
    root: s.root ?? null,
    disk: s.disk ?? null,
    cpuUsage: s.cpuUsage ?? null,
    uptime: s.uptime ?? null,
    error: s.error === undefined ? null : { code: s.error.code, message: s.error.message }
  }
}

export const statusCommand: Command = {
  name: 'status',
  usage: clusterUsage('status [options]', `
Lists every data server discovery knows of (mDNS, the registry, --servers), with each
server's /__status: address, cluster, free disk space, CPU load, uptime, and whether it
answered. A server that was announced or given but does not answer is listed too, as not
responsive. Exits 5 when any server does not answer (also with --json), so monitoring can
rely on the exit code.
`),
  async run (args, io) {
    const { values, positionals } = parseClusterArgs(args, {})
    if (positionals.length > 0) throw new InvalidArgumentError('status takes no arguments')
    const options = clusterOptionsFrom(values, io)
    // Discovery of our own, not withCluster: with every server down there is no cluster to
    // connect to, yet each server discovery knows of must still be listed (and the exit be 5).
    const dir = await startDiscovery(discoveryOptionsOf(options))
    const onAbort = (): void => { void dir.close() }
    io.signal.addEventListener('abort', onAbort, { once: true })
    try {
      let list: readonly NodeStatus[]
      try {
        await dir.waitForServers({ timeoutMs: options.discoveryTimeoutMs ?? 5000 })
        const cluster = await Cluster.connect({ ...options, directory: dir })
        try {
          list = await cluster.status()
        } finally {
          await cluster.close()
        }
      } catch (err) {
        if (io.signal.aborted) return stoppedExit(io)
        // Nothing answers: list what was announced or given, every one of them silent.
        if (!(err instanceof NoServersError) || dir.known().length === 0) throw err
        list = dir.known().map(silentStatus)
      }
      print(list, dir.cluster, values.json, io)
      return list.every((s) => s.responsive) ? 0 : exitCodes.NO_SERVERS
    } finally {
      io.signal.removeEventListener('abort', onAbort)
      await dir.close()
    }
  }
}

function print (list: readonly NodeStatus[], cluster: string, json: boolean, io: CliIo): void {
  if (json) {
    io.stdout.write(JSON.stringify({ cluster, servers: list.map(statusJson), responsive: list.filter((s) => s.responsive).length, total: list.length }) + '\n')
    return
  }
  const rows = [['SERVER', 'ADDRESS', 'CLUSTER', 'FREE', 'LOAD', 'UPTIME', 'RESPONSIVE']]
  for (const s of list) {
    rows.push([
      s.server.name,
      `${s.server.address}:${s.server.port}${s.server.local ? ' (local)' : ''}`,
      s.cluster ?? '-',
      s.disk === undefined ? '-' : `${humanSize(s.disk.free)} of ${humanSize(s.disk.total)}`,
      load(s),
      s.uptime?.replace(/\.\d+$/, '') ?? '-',
      s.responsive ? 'yes' : `no (${s.error?.code ?? 'unknown'})`
    ])
  }
  io.stdout.write(formatTable(rows))
  for (const s of list) {
    if (!s.responsive) io.stderr.write(`pyme-cluster: ${s.server.url} is not responsive: ${s.error?.message ?? 'no answer'}\n`)
  }
}
