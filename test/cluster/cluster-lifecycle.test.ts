import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { Cluster } from '../../lib/cluster/cluster.js'
import { resolveClusterOptions } from '../../lib/cluster/cluster-options.js'
import { startDiscovery } from '../../lib/discovery/start-discovery.js'
import { startDataServers } from '../helpers/data-servers.js'
import { connectTo, putBehindClient } from './cluster-helpers.js'

t.test('connect: NoServersError says where it looked; the discovery it started is closed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-none-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await t.rejects(Cluster.connect({ cluster: 'nobody', mdns: false, registry: { path: join(dir, 'r.sqlite') }, discoveryTimeoutMs: 50, env: {} }), {
    code: 'PYME_ERR_NO_SERVERS', message: /no data servers of cluster 'nobody' answered within 50 ms \(local registry/
  })
})

t.test('a shared directory is not closed by the client', async (t) => {
  const servers = await startDataServers(t, 1)
  const directory = await startDiscovery({ cluster: 'c', servers: [servers[0]!.url], registry: false, env: {} })
  t.teardown(() => directory.close())
  const a = await Cluster.connect({ directory })
  t.equal(a.directory, directory)
  t.equal(a.cluster, 'c')
  await a.close()
  t.equal(directory.servers().length, 1, 'still running')
  const b = await Cluster.connect({ directory, minServers: 2, discoveryTimeoutMs: 30 }).catch((e: unknown) => e)
  t.match(b, { code: 'PYME_ERR_NO_SERVERS' })
  t.equal(directory.servers().length, 1, 'a failed connect leaves a given directory alone')
})

t.test('close waits for running calls; destroy aborts them; later calls are refused', async (t) => {
  const [slow] = await startDataServers(t, 1, { testDelayMs: 300 })
  await putBehindClient(slow!, 'lc/f', 'data')
  const c1 = await connectTo(t, [slow!], { localBypass: false })
  const running = c1.getFile('lc/f')
  const closing = c1.close()
  t.equal(c1.close(), closing, 'idempotent')
  t.equal((await running).toString(), 'data', 'the running call finished')
  await closing
  await t.rejects(c1.listdir(''), { code: 'PYME_ERR_CLOSED' })
  await t.rejects(c1.putFile('lc/x', Buffer.from('x')), { code: 'PYME_ERR_CLOSED' })

  const c2 = await connectTo(t, [slow!], { localBypass: false })
  const aborted = c2.getFile('lc/f').catch((e: unknown) => e)
  const listing = c2.listDirectory('lc', { fresh: true }).catch((e: unknown) => e)
  await new Promise((resolve) => setTimeout(resolve, 20))
  const destroying = c2.destroy()
  t.equal(c2.destroy(), destroying)
  t.match(await aborted, { code: 'PYME_ERR_DESTROYED' })
  t.match(await listing, { code: 'PYME_ERR_DESTROYED' })
  await destroying
  await t.rejects(c2.getFile('lc/f'), { code: 'PYME_ERR_DESTROYED' })
  t.equal(c2.close(), destroying, 'close after destroy returns the same promise')
})

t.test('status: PYME fields and ours', async (t) => {
  const servers = await startDataServers(t, 2, { cluster: 'stc' })
  const cluster = await connectTo(t, servers)
  const st = await cluster.status()
  t.equal(st.length, 2)
  for (const s of st) {
    t.match(s, { responsive: true, cluster: 'stc', root: /pyme-data-/, disk: { total: Number, free: Number, used: Number }, uptime: String })
    t.type(s.raw?.['IPAddress'], 'string')
  }
})

t.test('options are validated once, naming the option', async (t) => {
  t.throws(() => resolveClusterOptions(null as never), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  for (const [opts, name] of [
    [{ listingCacheMs: -1 }, 'listingCacheMs'],
    [{ getTimeoutMs: 0 }, 'getTimeoutMs'],
    [{ minServers: 1.5 }, 'minServers'],
    [{ emptyServerfilter: 'none' }, 'emptyServerfilter'],
    [{ existenceCheck: 'maybe' }, 'existenceCheck'],
    [{ distribution: 'random' }, 'distribution'],
    [{ localBypass: 'yes' }, 'localBypass'],
    [{ localBypass: { roots: 5 } }, 'localBypass.roots'],
    [{ localBypass: { roots: { 'not a url': '/x' } } }, 'localBypass.roots'],
    [{ localBypass: { roots: { 'https://a:1/': '/x' } } }, 'localBypass.roots'],
    [{ localBypass: { roots: { 'http://a:1/': '' } } }, 'localBypass.roots']
  ] as const) {
    t.throws(() => resolveClusterOptions(opts as never), { code: 'PYME_ERR_INVALID_ARGUMENT', message: new RegExp(`invalid ${name.replace('.', '\\.')}`) }, name)
  }
  const d = resolveClusterOptions({ localBypass: { roots: { 'http://127.0.0.1:5': '/r' } } })
  t.same([...d.localRoots], [['http://127.0.0.1:5/', '/r']])
  t.equal(resolveClusterOptions({ localBypass: false }).localBypass, false)
  await t.rejects(Cluster.connect({ getRetries: 0 }), { message: /getRetries/ })
  const servers = await startDataServers(t, 1)
  const cluster = await connectTo(t, servers)
  await t.rejects(cluster.getFile('x', { timeoutMs: 0 }), { message: /timeoutMs/ })
  await t.rejects(cluster.openFile('x', { retries: 1.5 }), { message: /retries/ })
})
