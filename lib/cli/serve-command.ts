/**
 * `pyme-cluster serve`: run one PYME-compatible data server (PROTOCOL.md §3.3) until
 * SIGINT/SIGTERM. One log line when it starts (address, port, root, cluster,
 * advertisement) and one when it has stopped. Defaults follow PYME's `HTTPDataServer`:
 * port 15348, root `$PYMEDATADIR` or `~/PYMEData`, cluster = computer name, mDNS.
 */
import { parseArgs } from 'node:util'
import { InvalidArgumentError } from '../errors.js'
import { startDataServer, type AdvertiseMode, type DataServer, type DataServerOptions } from '../server/index.js'
import type { CliIo, Command } from './command.js'
import { exitCodes } from './exit-codes.js'
import { intOption } from './int-option.js'

const usage = `Usage: pyme-cluster serve [options]

Serves a data root to PYME clients and ours: write-once PUT, listings, status; advertised
over mDNS (default), in PYME's host-local SQLite registry, or not at all. Stops cleanly on
Ctrl-C / SIGTERM (uploads in flight finish, the advertisement is withdrawn).

Options:
  --root DIR               data root (default: $PYMEDATADIR if writable, else ~/PYMEData)
  --port N                 TCP port, 0 = any free one (default 15348)
  --host ADDR              address to bind (default: 0.0.0.0 with mDNS, else 127.0.0.1)
  --cluster NAME           cluster name in the advertisement (default: this computer's name)
  --advertise MODE         mdns | local | none (default mdns)
  --interface IF           network interface (name or IPv4) to announce on with mDNS
                           (default: the interface of the default route)
  --advertise-address IP   IPv4 address to announce (default: the interface's)
  --registry FILE          SQLite registry for --advertise local (default: <tmp>/_pyme-http.sqlite)
  --read-only              refuse every PUT (403)
  --fsync                  fsync each file (and its directory) before answering 200
  --sync-commit MODE       auto | on | off: commit small uploads with synchronous system calls
                           (default auto: on for a local root without --fsync; use off when a
                           network file system is mounted below the root)
  --countdir               PYME's countdir listing variant (directory sizes +2, .h5 flagged 0x06)
  --max-body BYTES         largest accepted upload (default 8 GiB)
  --test-mode              PYME's -t: accept PUTs, store nothing (bandwidth tests)
  --test-delay-ms N        PYME's --timeout-test: delay every GET and PUT
  --json                   print JSON lines instead: {"event":"ready","url","port","root",...}
                           once serving, {"event":"stopped",...} once stopped
  -h, --help               this text

Supervised (systemd, a process manager, a program's child process): run
'node <package>/bin/pyme-cluster.js serve ...' directly; through npx or npm run it still
stops on SIGTERM, half a second later. See docs/server.md.
`

/** One line describing a running server. */
export function describeServer (server: DataServer): string {
  const ad = server.advertise === 'none'
    ? 'not advertised'
    : `advertised (${server.advertise}) as '${server.instanceName}' at ${server.advertisedAddress}:${server.port}`
  return `listening on ${server.url} (bound ${server.address}:${server.port}), root ${server.root}, cluster '${server.cluster}', ${ad}`
}

/**
 * The `--json` ready line: one JSON object on one line, printed once the server accepts
 * connections, for supervisors and programs that start servers (`--port 0` included).
 */
export function readyJson (server: DataServer): string {
  return JSON.stringify({
    event: 'ready',
    url: server.url,
    port: server.port,
    root: server.root,
    address: server.address,
    cluster: server.cluster,
    advertise: server.advertise,
    instanceName: server.instanceName,
    pid: process.pid
  })
}

/**
 * Starts a server, reports it, waits for io.signal, closes it and reports again (one line
 * each; JSON lines with `json`). Shared by `serve` and `cluster-of-one`.
 */
export async function serveUntilAborted (name: string, options: DataServerOptions, io: CliIo, json = false): Promise<number> {
  if (io.signal.aborted) return exitCodes.INTERRUPTED
  const server = await startDataServer({ ...options, env: io.env })
  io.stdout.write(json ? readyJson(server) + '\n' : `pyme-cluster ${name}: ${describeServer(server)}\n`)
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve()
    else io.signal.addEventListener('abort', () => resolve(), { once: true })
  })
  await server.close()
  io.stdout.write(json
    ? JSON.stringify({ event: 'stopped', url: server.url, root: server.root }) + '\n'
    : `pyme-cluster ${name}: stopped (${server.url}, root ${server.root})\n`)
  return exitCodes.OK
}

async function runServe (args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      root: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      cluster: { type: 'string' },
      advertise: { type: 'string' },
      interface: { type: 'string' },
      'advertise-address': { type: 'string' },
      registry: { type: 'string' },
      'read-only': { type: 'boolean', default: false },
      fsync: { type: 'boolean', default: false },
      'sync-commit': { type: 'string' },
      countdir: { type: 'boolean', default: false },
      'max-body': { type: 'string' },
      'test-mode': { type: 'boolean', default: false },
      'test-delay-ms': { type: 'string' },
      json: { type: 'boolean', default: false }
    },
    strict: true,
    allowPositionals: false
  })
  const advertise = values.advertise ?? 'mdns'
  if (advertise !== 'mdns' && advertise !== 'local' && advertise !== 'none') {
    throw new InvalidArgumentError(`invalid --advertise '${advertise}': expected mdns, local or none`)
  }
  const syncMode = values['sync-commit'] ?? 'auto'
  if (syncMode !== 'auto' && syncMode !== 'on' && syncMode !== 'off') {
    throw new InvalidArgumentError(`invalid --sync-commit '${syncMode}': expected auto, on or off`)
  }
  const port = intOption(values.port, 'port', 0, 65535)
  const maxBody = intOption(values['max-body'], 'max-body', 0, Number.MAX_SAFE_INTEGER)
  const delay = intOption(values['test-delay-ms'], 'test-delay-ms', 0, 600_000)
  const options: DataServerOptions = {
    advertise: advertise as AdvertiseMode,
    readOnly: values['read-only'],
    fsync: values.fsync,
    syncCommit: syncMode === 'auto' ? 'auto' : syncMode === 'on',
    countdirCompat: values.countdir,
    testMode: values['test-mode'],
    ...(values.root === undefined ? {} : { root: values.root }),
    ...(port === undefined ? {} : { port }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values.cluster === undefined ? {} : { cluster: values.cluster }),
    ...(values.interface === undefined ? {} : { interface: values.interface }),
    ...(values['advertise-address'] === undefined ? {} : { advertiseAddress: values['advertise-address'] }),
    ...(values.registry === undefined ? {} : { registryPath: values.registry }),
    ...(maxBody === undefined ? {} : { maxBodyBytes: maxBody }),
    ...(delay === undefined ? {} : { testDelayMs: delay })
  }
  return serveUntilAborted('serve', options, io, values.json)
}

export const serveCommand: Command = {
  name: 'serve',
  usage,
  run: runServe
}
