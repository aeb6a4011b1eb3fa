/**
 * A data server in its own process, for tests that kill, stop or restart it
 * (server-process.ts runs this through the TypeScript loader). Prints one JSON line
 * `{"url", "port", "pid", "root", "instanceName"}` once it accepts connections; closes
 * cleanly on SIGTERM/SIGINT.
 *
 *   node --import=@tapjs/typescript/import test/helpers/server-main.ts --root DIR [--port N]
 *        [--host A] [--cluster C] [--advertise none|local|mdns] [--interface I]
 *        [--registry FILE] [--test-delay-ms N] [--test-mode] [--fsync] [--read-only]
 */
import { parseArgs } from 'node:util'
import { startDataServer } from '../../lib/server/index.js'
import type { AdvertiseMode } from '../../lib/server/index.js'

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    port: { type: 'string', default: '0' },
    host: { type: 'string' },
    cluster: { type: 'string' },
    advertise: { type: 'string', default: 'none' },
    interface: { type: 'string' },
    'advertise-address': { type: 'string' },
    registry: { type: 'string' },
    'test-delay-ms': { type: 'string' },
    'test-mode': { type: 'boolean', default: false },
    fsync: { type: 'boolean', default: false },
    'read-only': { type: 'boolean', default: false }
  }
})

const server = await startDataServer({
  ...(values.root === undefined ? {} : { root: values.root }),
  port: Number(values.port),
  ...(values.host === undefined ? {} : { host: values.host }),
  ...(values.cluster === undefined ? {} : { cluster: values.cluster }),
  advertise: values.advertise as AdvertiseMode,
  ...(values.interface === undefined ? {} : { interface: values.interface }),
  ...(values['advertise-address'] === undefined ? {} : { advertiseAddress: values['advertise-address'] }),
  ...(values.registry === undefined ? {} : { registryPath: values.registry }),
  ...(values['test-delay-ms'] === undefined ? {} : { testDelayMs: Number(values['test-delay-ms']) }),
  testMode: values['test-mode'],
  fsync: values.fsync,
  readOnly: values['read-only']
})

process.stdout.write(JSON.stringify({
  url: server.url,
  port: server.port,
  pid: process.pid,
  root: server.root,
  instanceName: server.instanceName,
  advertisedAddress: server.advertisedAddress
}) + '\n')

let stopping = false
const stop = (): void => {
  if (stopping) return
  stopping = true
  void server.close().then(() => process.exit(0), () => process.exit(1))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
