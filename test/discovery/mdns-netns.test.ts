/**
 * mDNS between hosts: data servers in two network namespaces of a private bridge
 * (198.18.0.0/15, test/helpers/netns-rig.ts) advertise over mDNS on their interface; a client
 * in a third namespace finds both by the A records they announce (not loopback, not the
 * packet's source address) and lists the union. Nothing leaves the bridge.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { createRig, netnsUnavailableReason, sweepStaleRigs } from '../helpers/netns-rig.js'
import { startServerProcess } from '../helpers/server-process.js'

const run = promisify(execFile)
const reason = netnsUnavailableReason()
const FIXTURE = fileURLToPath(new URL('./fixtures/browse-main.ts', import.meta.url))
const HOLD_5353 = new URL('../helpers/hold-mdns-port.ts', import.meta.url).href
const REPO = fileURLToPath(new URL('../..', import.meta.url))

t.test('a client in one namespace finds servers in two others over mDNS', { skip: reason ?? false }, async (t) => {
  sweepStaleRigs()
  const rig = createRig({ hosts: 3, subnet: 77 })
  t.teardown(() => rig.destroy())
  const [h0, h1, h2] = rig.hosts as [typeof rig.hosts[0], typeof rig.hosts[0], typeof rig.hosts[0]]
  const cluster = `nsc${process.pid}`
  const servers = await Promise.all([h0, h1].map((h) => startServerProcess({ cluster, advertise: 'mdns', interface: h.iface, netns: h.netns })))
  t.teardown(() => Promise.all(servers.map((s) => s.stop())))
  t.same(servers.map((s) => s.advertisedAddress), [h0.address, h1.address], 'each announces its own bridge address')

  const { stdout } = await run('ip', ['netns', 'exec', h2.netns, process.execPath, '--import=@tapjs/typescript/import', FIXTURE,
    '--cluster', cluster, '--interface', h2.iface, '--min', '2'], { cwd: REPO, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' }, timeout: 60_000 })
  const result = JSON.parse(stdout.trim().split('\n').pop() as string) as { servers?: Array<{ address: string, port: number, source: string, name: string }>, error?: unknown }
  t.notOk(result.error, 'connected')
  t.same(result.servers?.map((s) => `${s.address}:${s.port}`).sort(), servers.map((s) => `${s.advertisedAddress}:${s.port}`).sort())
  t.ok(result.servers?.every((s) => s.source === 'mdns' && s.name.startsWith(`PYMEDataServer [${cluster}]:`)))
})

t.test('a port 5353 held by another program fails mDNS with a reason, not the process', { skip: reason ?? false }, async (t) => {
  sweepStaleRigs()
  const rig = createRig({ hosts: 1, subnet: 78 })
  t.teardown(() => rig.destroy())
  const h = rig.hosts[0] as typeof rig.hosts[0]
  const { stdout } = await run('ip', ['netns', 'exec', h.netns, process.execPath, '--import=@tapjs/typescript/import', `--import=${HOLD_5353}`,
    FIXTURE, '--cluster', `held${process.pid}`, '--interface', h.iface, '--timeout', '1500'],
  { cwd: REPO, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' }, timeout: 60_000 })
  const result = JSON.parse(stdout.trim().split('\n').pop() as string) as { error?: { code: string, message: string } }
  t.equal(result.error?.code, 'PYME_ERR_NO_SERVERS', 'discovery ends with its own error')
  t.match(result.error?.message, /mDNS on \S+ failed: .*EADDRINUSE/, 'naming why mDNS heard nothing')
})
