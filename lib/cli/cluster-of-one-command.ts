/**
 * `pyme-cluster cluster-of-one`: PYME's PYMEClusterOfOne data server (PROTOCOL.md §9): one
 * server on this machine, loopback only, on a free port, registered in PYME's host-local
 * SQLite registry so that PYME clients and ours on the same machine find it. Runs until
 * SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util'
import type { CliIo, Command } from './command.js'
import { intOption } from './int-option.js'
import { serveUntilAborted } from './serve-command.js'

const usage = `Usage: pyme-cluster cluster-of-one [options]

Runs a one-machine cluster like PYME's PYMEClusterOfOne: one data server on 127.0.0.1 and
a free port, registered in the host-local SQLite registry (advertise 'local'), so PYME
and pyme-cluster clients on this machine find it without mDNS. Ctrl-C stops it and
removes the registration.

Options:
  --root DIR       data root (default: $PYMEDATADIR if writable, else ~/PYMEData)
  --cluster NAME   cluster name (default: this computer's name)
  --port N         port (default 0: any free one)
  --registry FILE  SQLite registry (default: <tmp>/_pyme-http.sqlite, where PYME looks)
  --json           JSON lines: {"event":"ready","url","port","root",...}, then {"event":"stopped",...}
  -h, --help       this text
`

async function runClusterOfOne (args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      root: { type: 'string' },
      cluster: { type: 'string' },
      port: { type: 'string' },
      registry: { type: 'string' },
      json: { type: 'boolean', default: false }
    },
    strict: true,
    allowPositionals: false
  })
  const port = intOption(values.port, 'port', 0, 65535) ?? 0
  return serveUntilAborted('cluster-of-one', {
    port,
    host: '127.0.0.1',
    advertise: 'local',
    ...(values.root === undefined ? {} : { root: values.root }),
    ...(values.cluster === undefined ? {} : { cluster: values.cluster }),
    ...(values.registry === undefined ? {} : { registryPath: values.registry })
  }, io, values.json)
}

export const clusterOfOneCommand: Command = {
  name: 'cluster-of-one',
  usage,
  run: runClusterOfOne
}
