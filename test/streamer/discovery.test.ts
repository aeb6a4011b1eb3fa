/**
 * Streaming to servers found by discovery: the cluster filter is applied (PYME streams to every
 * server it knows), the order is deterministic (instance names), files put before the first
 * server is found wait, and a server that leaves is replaced.
 */
import t from 'tap'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { startDataServers } from '../helpers/data-servers.js'
import { startServerProcess } from '../helpers/server-process.js'
import { startDiscovery } from '../../lib/discovery/index.js'
import { Streamer } from '../../lib/streamer/streamer.js'

async function count (root: string, dir: string): Promise<number> {
  try {
    return (await readdir(join(root, dir))).length
  } catch {
    return 0
  }
}

t.test('cluster: only that cluster\'s servers, in instance-name order', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'disco-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const registryPath = join(dir, 'registry.sqlite')
  // Separate processes: an instance name carries the PID, so two servers of one process would share it.
  const mine = await Promise.all([0, 1].map(() => startServerProcess({ advertise: 'local', registryPath, cluster: 'streamtest' })))
  t.teardown(() => Promise.all(mine.map((m) => m.stop())))
  const [foreign] = await startDataServers(t, 1, { advertise: 'local', registryPath, cluster: 'othercluster' })
  const s = new Streamer({
    cluster: { cluster: 'streamtest', registry: { path: registryPath }, mdns: false, probeIntervalMs: 100 }
  })
  // Put before discovery has answered: the files wait for a node.
  for (let i = 0; i < 20; i++) s.put(`disco/f${i}`, Buffer.from(String(i)), { index: i })
  const report = await s.close()
  t.equal(report.files, 20)
  const expected = [...mine].sort((a, b) => a.instanceName < b.instanceName ? -1 : 1).map((x) => x.url)
  t.same(s.nodes, expected, 'nodes sorted by instance name')
  t.equal(await count(foreign!.root, 'disco'), 0, 'no file went to another cluster')
  t.equal(await count(mine[0]!.root, 'disco') + await count(mine[1]!.root, 'disco'), 20)
})

t.test('discovery: a server that leaves is replaced, one that joins is used', async (t) => {
  const servers = await startDataServers(t, 2)
  const directory = await startDiscovery({ servers: [servers[0]!.url], mdns: false, registry: false, probeIntervalMs: 50, probeTimeoutMs: 200 })
  t.teardown(() => directory.close())
  await directory.waitForServers({ timeoutMs: 5000 })
  const s = new Streamer({ discovery: directory })
  t.same(s.nodes, [servers[0]!.url])
  await s.putAsync('join/a', Buffer.from('a'))
  await servers[0]!.close()
  const down = once(s, 'node-down')
  // Until the directory notices, files go to the only known node and fail over to nothing: they wait.
  const waiting = s.putAsync('join/b', Buffer.from('b'), { index: 0 })
  const [e] = await down as [{ url: string }]
  t.equal(e.url, servers[0]!.url)
  t.equal(s.stats().parked, 1, 'the file waits for a node')
  // A new server joins (as a static server would be re-announced, here through the directory's events).
  directory.emit('add', { name: 'zz', url: servers[1]!.url, address: '127.0.0.1', port: servers[1]!.port, source: 'static' })
  const ack = await waiting
  t.equal(ack.node, servers[1]!.url)
  const report = await s.close()
  t.equal(report.files, 2)
  t.ok(['down', 'removed'].includes(report.nodes[servers[0]!.url]!.state))
  t.equal(await count(servers[1]!.root, 'join'), 1)
})
