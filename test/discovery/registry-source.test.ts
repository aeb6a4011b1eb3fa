import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { startDiscovery } from '../../lib/discovery/start-discovery.js'
import type { DataServerInfo } from '../../lib/discovery/node-directory.js'
import { SqliteRegistry } from '../../lib/internal/sqlite-registry.js'
import { tcpListener } from './tcp-listener.js'

async function tempRegistry (t: Test): Promise<{ path: string, registry: SqliteRegistry, dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-reg-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, '_pyme-http.sqlite')
  return { path, registry: new SqliteRegistry({ path }), dir }
}

t.test('registry rows are probed: a dead row is never used, a live one is', async (t) => {
  const { path, registry } = await tempRegistry(t)
  const live = await tcpListener(t)
  const dead = await tcpListener(t)
  await dead.close()
  registry.register('PYMEDataServer [regc]:pc - PID:1', '127.0.0.1', live.port)
  registry.register('PYMEDataServer [regc]:pc - PID:2', '127.0.0.1', dead.port)
  registry.register('PYMEDataServer [other]:pc - PID:3', '127.0.0.1', live.port)
  const dir = await startDiscovery({ cluster: 'regc', registry: { path }, mdns: false, env: {}, probeIntervalMs: 60_000 })
  t.teardown(() => dir.close())
  const servers = await dir.waitForServers({ timeoutMs: 3000 })
  t.same(servers.map((s) => [s.name, s.port, s.source]), [['PYMEDataServer [regc]:pc - PID:1', live.port, 'registry']])

  // A server registering later is found on refresh; an unregistered one leaves at once.
  const late = await tcpListener(t)
  const added = once(dir, 'add') as Promise<[DataServerInfo]>
  registry.register('PYMEDataServer [regc]:pc - PID:4', '127.0.0.1', late.port)
  await dir.reprobe()
  t.equal((await added)[0].port, late.port)
  const removed = once(dir, 'remove') as Promise<[DataServerInfo]>
  registry.unregister('PYMEDataServer [regc]:pc - PID:1')
  await dir.reprobe()
  t.equal((await removed)[0].name, 'PYMEDataServer [regc]:pc - PID:1')
  t.same(dir.servers().map((s) => s.port), [late.port])
})

t.test("substring match is PYME's rule: '' takes every cluster", async (t) => {
  const { path, registry } = await tempRegistry(t)
  const a = await tcpListener(t)
  const b = await tcpListener(t)
  registry.register('PYMEDataServer [x1]:pc - PID:1', '127.0.0.1', a.port)
  registry.register('PYMEDataServer [y2]:pc - PID:2', '127.0.0.1', b.port)
  const all = await startDiscovery({ cluster: '', serverfilter: { match: 'substring' }, registry: { path }, mdns: false, env: {} })
  t.teardown(() => all.close())
  t.equal((await all.waitForServers({ timeoutMs: 3000 })).length, 2)
  const exact = await startDiscovery({ cluster: 'x', registry: { path }, mdns: false, env: {} })
  t.teardown(() => exact.close())
  await t.rejects(exact.waitForServers({ timeoutMs: 50 }), { code: 'PYME_ERR_NO_SERVERS', message: /2 entries/ })
  const sub = await startDiscovery({ cluster: 'x', serverfilter: { match: 'substring' }, registry: { path }, mdns: false, env: {} })
  t.teardown(() => sub.close())
  t.same((await sub.waitForServers({ timeoutMs: 3000 })).map((s) => s.port), [a.port])
})

t.test('a reader never creates the registry file; an unreadable one is reported, not fatal', async (t) => {
  const { path, dir } = await tempRegistry(t)
  const d = await startDiscovery({ cluster: 'c', registry: { path }, mdns: false, env: {} })
  t.teardown(() => d.close())
  await t.rejects(d.waitForServers({ timeoutMs: 20 }), { message: /local registry .*no entries/ })
  t.notOk(existsSync(path), 'no file was created')

  const bad = join(dir, 'garbage.sqlite')
  await writeFile(bad, 'this is not a database, just text long enough to be read as a header......')
  await chmod(bad, 0o644)
  const d2 = await startDiscovery({ cluster: 'c', registry: { path: bad }, mdns: false, env: {} })
  t.teardown(() => d2.close())
  await t.rejects(d2.waitForServers({ timeoutMs: 20 }), { code: 'PYME_ERR_NO_SERVERS', message: /local registry unreadable/ })
})

t.test('the default registry lives in the python temp dir of the given env', async (t) => {
  const { dir, path } = await tempRegistry(t)
  const live = await tcpListener(t)
  new SqliteRegistry({ path }).register('PYMEDataServer [envc]:pc - PID:5', '127.0.0.1', live.port)
  const d = await startDiscovery({ mdns: false, env: { TMPDIR: dir, PYME_CLUSTER: 'envc' } })
  t.teardown(() => d.close())
  t.equal(d.cluster, 'envc')
  t.equal((await d.waitForServers({ timeoutMs: 3000 }))[0]?.port, live.port)
})

t.test('a server that registers while a client waits is found long before the 10 s re-probe', async (t) => {
  const { path, registry } = await tempRegistry(t)
  const live = await tcpListener(t)
  const dir = await startDiscovery({ cluster: 'later', registry: { path }, mdns: false, env: {} })
  t.teardown(() => dir.close())
  const t0 = performance.now()
  const waiting = dir.waitForServers({ timeoutMs: 8000 })
  setImmediate(() => { registry.register('PYMEDataServer [later]:pc - PID:9', '127.0.0.1', live.port) })
  const [s] = await waiting
  t.equal(s?.port, live.port)
  t.ok(performance.now() - t0 < 6000, 'found by the quick re-reads while waiting')
})

t.test('a static server that starts while a client waits is found', async (t) => {
  const l = await tcpListener(t)
  await l.close()
  const dir = await startDiscovery({ cluster: 'c', servers: [`127.0.0.1:${l.port}`], registry: false, env: {} })
  t.teardown(() => dir.close())
  const waiting = dir.waitForServers({ timeoutMs: 8000 })
  await l.reopen()
  t.equal((await waiting)[0]?.port, l.port)
})
