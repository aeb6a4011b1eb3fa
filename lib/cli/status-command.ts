/**
 * `pyme-cluster status [--json]`: the data servers of the cluster and their `/__status`:
 * address, cluster, free space, load, responsive (PYME's `get_status`).
 */
import type { NodeStatus } from '../cluster/cluster-types.js'
import { InvalidArgumentError } from '../errors.js'
import { clusterUsage, parseClusterArgs, formatTable, humanSize, withCluster } from './cluster-options.js'
import type { Command } from './command.js'
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
Lists the data servers of the cluster as discovery found them, with each server's
/__status: address, cluster, free disk space, CPU load, uptime, and whether it answered.
Exits 5 when a server does not answer.
`),
  async run (args, io) {
    const { values, positionals } = parseClusterArgs(args, {})
    if (positionals.length > 0) throw new InvalidArgumentError('status takes no arguments')
    return await withCluster(values, io, async (cluster) => {
      const list = await cluster.status()
      if (values.json) {
        io.stdout.write(JSON.stringify({ cluster: cluster.cluster, servers: list.map(statusJson) }) + '\n')
      } else {
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
      }
      return list.every((s) => s.responsive) ? 0 : exitCodes.NO_SERVERS
    })
  }
}
