/**
 * The client finds real data servers the ways PYME does: through the host-local SQLite
 * registry (`advertise: 'local'`, a temporary registry file) and over mDNS (the server's own
 * advertiser, pinned to the loopback interface so nothing leaves this machine).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { Cluster } from '../../lib/cluster/cluster.js'
import { startDataServers } from '../helpers/data-servers.js'
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js'

// Instance names carry the process id, so two servers of one cluster need two processes
// (as on a real host): one runs in this process, the other in a child.
async function child (t: Test, options: Parameters<typeof startServerProcess>[0]): Promise<ServerProcess> {
  const p = await startServerProcess(options)
  t.teardown(() => p.stop())
  return p
}

t.test('SQLite registry shared with the servers (advertise: local)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-regc-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const registryPath = join(dir, '_pyme-http.sqlite')
  const cluster = `reg${process.pid}`
  const [inProcess] = await startDataServers(t, 1, { cluster, advertise: 'local', registryPath })
  const other = await child(t, { cluster, advertise: 'local', registryPath })
  const servers = [inProcess!, other]
  await startDataServers(t, 1, { cluster: `${cluster}x`, advertise: 'local', registryPath })
  const client = await Cluster.connect({ cluster, registry: { path: registryPath }, mdns: false, env: {} })
  t.teardown(() => client.close())
  t.same(client.servers().map((s) => s.port).sort(), servers.map((s) => s.port).sort(), 'both servers of the cluster, not the other cluster')
  t.ok(client.servers().every((s) => s.source === 'registry' && s.local))
  await client.putFile('r/one.txt', Buffer.from('1'))
  await client.putFile('r/two.txt', Buffer.from('2'))
  t.same(await client.listdir('r'), ['one.txt', 'two.txt'])
  // A server that shuts down unregisters; the client drops it on its next look.
  await other.stop()
  await client.directory.reprobe()
  t.same(client.servers().map((s) => s.port), [inProcess!.port])
  // One killed without unregistering: its row stays, the probe keeps it out.
  const killed = await child(t, { cluster, advertise: 'local', registryPath })
  await client.directory.reprobe()
  t.equal(client.servers().length, 2)
  killed.kill('SIGKILL')
  await new Promise((resolve) => killed.child.once('exit', resolve))
  await client.directory.reprobe()
  t.same(client.servers().map((s) => s.port), [inProcess!.port], 'a crashed server\'s row is not trusted')
})

t.test('mDNS with the server\'s own advertiser, on loopback', async (t) => {
  const cluster = `md${process.pid}`
  const [inProcess] = await startDataServers(t, 1, { cluster, advertise: 'mdns', interface: '127.0.0.1', host: '127.0.0.1' })
  const other = await child(t, { cluster, advertise: 'mdns', interface: '127.0.0.1', host: '127.0.0.1' })
  const servers = [inProcess!, other]
  const client = await Cluster.connect({ cluster, mdns: { interface: '127.0.0.1' }, registry: false, env: {}, minServers: 2, discoveryTimeoutMs: 5000 })
  t.teardown(() => client.close())
  t.same(client.servers().map((s) => s.port).sort(), servers.map((s) => s.port).sort())
  t.ok(client.servers().every((s) => s.source === 'mdns' && s.name.startsWith(`PYMEDataServer [${cluster}]:`)))
  await client.putFile('m/a.txt', Buffer.from('a'))
  t.equal((await client.getFile('m/a.txt')).toString(), 'a')
  const removed = new Promise((resolve) => client.directory.once('remove', resolve))
  await other.stop()
  await removed
  t.equal(client.servers().length, 1, 'the goodbye (or the probe) removed it')
})
