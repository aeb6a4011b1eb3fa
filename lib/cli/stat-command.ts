/**
 * `pyme-cluster stat <path|uri> [--json]`: one entry of the cluster namespace: type, series
 * flags, size and the data servers that hold it (PROTOCOL.md §5.4).
 */
import { formatClusterUri } from '../cluster/cluster-uri.js'
import { InvalidArgumentError } from '../errors.js'
import { clusterUsage, parseClusterArgs, formatTable, withCluster } from './cluster-options.js'
import type { Command } from './command.js'
import { entryJson, flagColumn, sizeColumn } from './ls-command.js'

export const statCommand: Command = {
  name: 'stat',
  usage: clusterUsage('stat <path|PYME-CLUSTER://cluster/path> [options]', `
Shows one entry: file or directory, series flags, size, and the data servers holding it.
A file listed by more than one server was written twice (PYME cannot prevent that).
`),
  async run (args, io) {
    const { values, positionals } = parseClusterArgs(args, {})
    if (positionals.length !== 1) throw new InvalidArgumentError('stat takes exactly one path')
    const target = positionals[0] as string
    return await withCluster(values, io, async (cluster) => {
      const e = await cluster.stat(target)
      if (values.json) {
        io.stdout.write(JSON.stringify(entryJson(e)) + '\n')
        return 0
      }
      const kind = e.isDirectory ? (e.isSeries ? `series directory (${e.isComplete ? 'complete' : 'in progress'})` : 'directory') : 'file'
      io.stdout.write(formatTable([
        ['path:', e.path === '' ? '/' : e.path],
        ['uri:', formatClusterUri(cluster.serverfilter, e.isDirectory && e.path !== '' ? `${e.path}/` : e.path)],
        ['type:', kind],
        ['flags:', `${e.flags} (${flagColumn(e)})`],
        ['size:', e.isDirectory ? `${sizeColumn(e)} (approximate)` : `${sizeColumn(e)} (${e.size} bytes)`],
        ['servers:', e.locations.join(' ') || '-']
      ]))
      return 0
    })
  }
}
