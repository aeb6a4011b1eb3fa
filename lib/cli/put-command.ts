/**
 * `pyme-cluster put <file> <path|uri>`: copies a local file into the cluster, streaming, as
 * a new write-once file on one data server (PROTOCOL.md §5.8).
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { pipeline } from 'node:stream'
import { formatClusterUri } from '../cluster/cluster-uri.js'
import { InvalidArgumentError } from '../errors.js'
import { parseServerAddress } from '../internal/server-address.js'
import { clusterOptionsFrom, clusterUsage, parseClusterArgs, humanSize, withCluster } from './cluster-options.js'
import type { Command } from './command.js'
import { TransferProgress } from './transfer-progress.js'

export const putCommand: Command = {
  name: 'put',
  usage: clusterUsage('put <file> <path|PYME-CLUSTER://cluster/path> [options]', `
Copies a local file into the cluster as a new file on one data server (the least recently
written, as PYME does, unless --server). A path ending in '/' means a file of the same name
in that directory. Names are write-once: a name that exists on any data server is refused
(exit 4). Names may
contain letters, digits, '_', '.', '-' and '/'.

  --server ADDR            write to this data server (host:port, host or http://host:port/):
                           alone, it is the only server used (no discovery); with --servers it
                           must be one of them, with --cluster a live server of that cluster
  -q, --quiet              no progress or summary on stderr (shown for files of 8 MiB and more)
`),
  async run (args, io) {
    const { values, positionals } = parseClusterArgs(args, { server: { type: 'string' }, quiet: { type: 'boolean', short: 'q', default: false } })
    if (positionals.length !== 2) throw new InvalidArgumentError('put takes a local file and a cluster path')
    const [file, target] = positionals as [string, string]
    let st
    try {
      st = await stat(file)
    } catch (err) {
      throw new InvalidArgumentError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err })
    }
    if (!st.isFile()) throw new InvalidArgumentError(`${file} is not a regular file`)
    const dest = target.endsWith('/') ? target + basename(file) : target
    const server = values.server === undefined ? undefined : parseServerAddress(values.server, '--server').url
    let scope: typeof values = values
    if (server !== undefined && values.cluster === undefined) {
      const given = clusterOptionsFrom(values, io).servers ?? []
      // Never a silent fall-back to discovery: the server named is the server used.
      if (given.length === 0) scope = { ...values, servers: [server] }
      else if (!given.includes(server)) throw new InvalidArgumentError(`invalid --server: ${server} is not one of --servers ${given.join(', ')}`)
    }
    return await withCluster(scope, io, async (cluster) => {
      const progress = new TransferProgress(io, `put ${dest}`, st.size, values.quiet)
      const body = pipeline(createReadStream(file), progress, () => {})
      try {
        const r = await cluster.putStream(dest, body, st.size, server === undefined ? {} : { server })
        progress.done()
        if (values.json) {
          io.stdout.write(JSON.stringify({ path: r.path, uri: formatClusterUri(cluster.serverfilter, r.path), url: r.url, server: r.server.name, size: r.size }) + '\n')
        } else {
          io.stdout.write(`${formatClusterUri(cluster.serverfilter, r.path)}  ${humanSize(r.size)}  on ${r.server.url}\n`)
        }
        return 0
      } finally {
        body.destroy()
      }
      // A fresh client has seen no listing: ask every server, so that a name that exists on
      // another server is refused instead of stored twice (PYME's put_file stores it twice).
    }, { existenceCheck: 'cluster' })
  }
}
