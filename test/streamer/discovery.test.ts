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

t.test('discovery: a server that leaves is replaced by one that joins', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'disco-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const registryPath = join(dir, 'registry.sqlite')
  const [first] = await startDataServers(t, 1, { advertise: 'local', registryPath, cluster: 'joins' })
  const directory = await startDiscovery({ cluster: 'joins', registry: { path: registryPath }, mdns: false, probeIntervalMs: 50, probeTimeoutMs: 200 })
  t.teardown(() => directory.close())
  await directory.waitForServers({ timeoutMs: 5000 })
  const s = new Streamer({ discovery: directory, backoff: { minMs: 50, maxMs: 100 } })
  t.same(s.nodes, [first!.url])
  await s.putAsync('join/a', Buffer.from('a'))
  const down = once(s, 'node-down')
  await first!.close()
  // The only node is gone: the next file waits for one.
  const waiting = s.putAsync('join/b', Buffer.from('b'), { index: 0 })
  // Reported whichever comes first: the failed PUT ('down') or the registry re-read that drops
  // the idle node ('removed').
  const [e] = await down as [{ url: string, state: string }]
  t.equal(e.url, first!.url)
  t.ok(['down', 'removed'].includes(e.state), e.state)
  const second = await startServerProcess({ advertise: 'local', registryPath, cluster: 'joins' })
  t.teardown(() => second.stop())
  const ack = await waiting
  t.equal(ack.node, second.url, 'the joining server took the waiting file')
  const report = await s.close()
  t.equal(report.files, 2)
  t.ok(['down', 'removed'].includes(report.nodes[first!.url]!.state))
  t.equal(await count(second.root, 'join'), 1)
  t.same(s.nodes, [first!.url, second.url], 'new nodes are appended: indexes stay stable')
})
