import { once } from 'node:events'
import t from 'tap'
import { startDataServers } from '../helpers/data-servers.js'
import { connectTo, putBehindClient } from './cluster-helpers.js'

t.test('union listing across three servers: names, flags OR-ed, directory sizes summed', async (t) => {
  const servers = await startDataServers(t, 3)
  const [a, b, c] = servers as [typeof servers[0], typeof servers[0], typeof servers[0]]
  const cluster = await connectTo(t, servers)
  // A series spread over servers, as the Streamer writes one: metadata on a, frames on all, events on c.
  t.equal(await putBehindClient(a, 'u/s1.pcs/metadata.json', '{}'), 200)
  t.equal(await putBehindClient(a, 'u/s1.pcs/frame00000.pzf', 'f0'), 200)
  t.equal(await putBehindClient(b, 'u/s1.pcs/frame00001.pzf', 'f1'), 200)
  t.equal(await putBehindClient(c, 'u/s1.pcs/frame00002.pzf', 'f2'), 200)
  t.equal(await putBehindClient(c, 'u/s1.pcs/events.json', '[]'), 200)
  t.equal(await putBehindClient(b, 'u/plain.txt', 'abc'), 200)
  t.equal(await putBehindClient(c, 'u/s2.pcs/metadata.json', '{}'), 200)

  t.same(await cluster.listdir('u'), ['plain.txt', 's1.pcs/', 's2.pcs/'])
  t.same(await cluster.listdir('u/s1.pcs/'), ['events.json', 'frame00000.pzf', 'frame00001.pzf', 'frame00002.pzf', 'metadata.json'])
  const u = await cluster.listDirectory('u')
  t.equal(u.exists, true)
  t.same(u.unreachable, [])
  const s1 = u.entries.find((e) => e.name === 's1.pcs')
  t.match(s1, { isDirectory: true, isSeries: true, isComplete: true, flags: 7, size: 5, path: 'u/s1.pcs' },
    'series flag from a, complete flag from c; sizes 2 + 1 + 2 summed')
  t.same([...(s1?.locations ?? [])].sort(), [a.url, b.url, c.url].sort())
  t.match(u.entries.find((e) => e.name === 's2.pcs'), { flags: 3, isSeries: true, isComplete: false, locations: [c.url] })
  t.match(u.entries.find((e) => e.name === 'plain.txt'), { isDirectory: false, flags: 0, size: 3, locations: [b.url] })

  const missing = await cluster.listDirectory('no/such/dir')
  t.same(missing, { path: 'no/such/dir', exists: false, entries: [], unreachable: [] }, 'a directory absent everywhere: empty, exists false')
  t.same(await cluster.listdir('no/such/dir'), [])
  t.equal((await cluster.listDirectory('')).exists, true)
})

t.test('isdir, exists, stat (PYME §5.4)', async (t) => {
  const servers = await startDataServers(t, 2)
  const cluster = await connectTo(t, servers)
  await putBehindClient(servers[0]!, 'p/a.txt', 'hello from clusterIO\n')
  await putBehindClient(servers[1]!, 'p/pf/f0.bin', Buffer.alloc(1000))
  t.equal(await cluster.isdir(''), true)
  t.equal(await cluster.isdir('/'), true)
  t.equal(await cluster.isdir('p'), true)
  t.equal(await cluster.isdir('p/pf/'), true)
  t.equal(await cluster.isdir('p/a.txt'), false)
  t.equal(await cluster.isdir('p/nothing'), false)
  t.equal(await cluster.exists('p/a.txt'), true)
  t.equal(await cluster.exists('p/pf'), true)
  t.equal(await cluster.exists('p/missing'), false)
  t.equal(await cluster.exists(''), true)
  t.match(await cluster.stat('p/a.txt'), { name: 'a.txt', path: 'p/a.txt', size: 21, isDirectory: false, flags: 0 })
  t.match(await cluster.stat('p/pf'), { name: 'pf', isDirectory: true, size: 1 })
  t.match(await cluster.stat(''), { isDirectory: true, size: 0, path: '' })
  await t.rejects(cluster.stat('p/missing'), { code: 'PYME_ERR_NOT_FOUND', message: /'p\/missing' does not exist in cluster 'testc'/ })
})

t.test('caching as PYME: fresh for listingCacheMs; a miss is confirmed with a fresh listing', async (t) => {
  const servers = await startDataServers(t, 2)
  const cluster = await connectTo(t, servers, { listingCacheMs: 60_000 })
  await putBehindClient(servers[0]!, 'c/one.txt', '1')
  t.same(await cluster.listdir('c'), ['one.txt'])
  await putBehindClient(servers[1]!, 'c/two.txt', '2')
  t.same(await cluster.listdir('c'), ['one.txt'], 'another client\'s file is not seen while the listing is fresh')
  t.same(await cluster.listdir('c', { fresh: true }), ['one.txt', 'two.txt'])
  await putBehindClient(servers[1]!, 'c/three.txt', '3')
  t.equal(await cluster.exists('c/three.txt'), true, 'existence checks re-list before saying no')
  t.match(await cluster.stat('c/three.txt'), { size: 1 })
  const short = await connectTo(t, servers, { listingCacheMs: 0 })
  t.same(await short.listdir('c'), ['one.txt', 'three.txt', 'two.txt'])
  await putBehindClient(servers[0]!, 'c/four.txt', '4')
  // listingCacheMs 0: only the duration of the last request keeps a listing usable.
  let seen: string[] = []
  const until = performance.now() + 5000
  while (!seen.includes('four.txt') && performance.now() < until) {
    seen = await short.listdir('c')
    if (!seen.includes('four.txt')) await new Promise((resolve) => setTimeout(resolve, 5))
  }
  t.ok(seen.includes('four.txt'), 'seen once the short freshness passed')
})

t.test('a node that dies during listing is skipped and reported, then dropped and found again', async (t) => {
  const servers = await startDataServers(t, 3)
  const cluster = await connectTo(t, servers)
  await putBehindClient(servers[0]!, 'k/a', '1')
  await putBehindClient(servers[1]!, 'k/b', '2')
  await putBehindClient(servers[2]!, 'k/c', '3')
  t.same(await cluster.listdir('k'), ['a', 'b', 'c'])
  const dead = servers[1]!
  const removed = once(cluster.directory, 'remove')
  await dead.close()
  const l = await cluster.listDirectory('k', { fresh: true })
  t.same(l.entries.map((e) => e.name), ['a', 'c'], 'the other servers still answer')
  t.equal(l.unreachable.length, 1)
  t.equal(l.unreachable[0]?.server.url, dead.url)
  t.equal(l.unreachable[0]?.error.code, 'PYME_ERR_NODE_UNREACHABLE')
  await t.rejects(cluster.listdir('k', { fresh: true, strict: true }), { code: 'PYME_ERR_NODE_UNREACHABLE', message: /listing of 'k\/' is incomplete/ })
  await removed
  t.equal(cluster.servers().length, 2, 'discovery dropped the dead server at once')
  const again = await cluster.listDirectory('k', { fresh: true })
  t.same(again.unreachable.map((f) => [f.server.url, f.error.code]), [[dead.url, 'PYME_ERR_NODE_UNREACHABLE']], 'a dropped server is no longer asked, but named: a name it holds is missing')
  t.match(again.unreachable[0]?.error.message, /is not answering/)
  for (const s of [servers[0]!, servers[2]!]) await s.close()
  await t.rejects(cluster.listdir('k', { fresh: true }), { code: 'PYME_ERR_NODE_UNREACHABLE', message: /no data server of cluster 'testc' answered the listing of 'k\/'/ })
})

t.test('a slow node does not hold a listing longer than its timeout', async (t) => {
  const [fast] = await startDataServers(t, 1)
  const [slow] = await startDataServers(t, 1, { testDelayMs: 8000 })
  const cluster = await connectTo(t, [fast!, slow!], { listTimeoutMs: 1500 })
  await putBehindClient(fast!, 'w/x', '1')
  const t0 = performance.now()
  const l = await cluster.listDirectory('w')
  t.ok(performance.now() - t0 < 6000, 'did not wait for the slow server')
  t.same(l.entries.map((e) => e.name), ['x'])
  t.equal(l.unreachable[0]?.error.code, 'PYME_ERR_TIMEOUT')
})

t.test('walk and glob', async (t) => {
  const servers = await startDataServers(t, 2)
  const cluster = await connectTo(t, servers)
  await putBehindClient(servers[0]!, 'w/a.txt', '1')
  await putBehindClient(servers[1]!, 'w/pf/f0.bin', '2')
  await putBehindClient(servers[0]!, 'w/pf/f1.bin', '3')
  await putBehindClient(servers[1]!, 'w/pf/deep/z', '4')
  await putBehindClient(servers[1]!, 'w/q/z', '5')
  const steps = []
  for await (const step of cluster.walk('w')) steps.push(step)
  t.same(steps.map((s) => [s.path, s.directories, s.files]), [
    ['w', ['pf', 'q'], ['a.txt']],
    ['w/pf', ['deep'], ['f0.bin', 'f1.bin']],
    ['w/pf/deep', [], ['z']],
    ['w/q', [], ['z']]
  ])
  const shallow = []
  for await (const step of cluster.walk('w', { maxDepth: 0 })) shallow.push(step.path)
  t.same(shallow, ['w'])
  await t.rejects((async () => { for await (const _ of cluster.walk('nope')) { /* nothing */ } })(), { code: 'PYME_ERR_NOT_FOUND' })
  await t.rejects((async () => { for await (const _ of cluster.walk('w', { maxDepth: -1 })) { /* nothing */ } })(), { code: 'PYME_ERR_INVALID_ARGUMENT' })

  t.same(await cluster.glob('w/pf/*'), ['w/pf/deep', 'w/pf/f0.bin', 'w/pf/f1.bin'], 'union of both servers, sorted')
  t.same(await cluster.glob('w/*/z'), ['w/q/z'])
  t.same(await cluster.glob('PYME-CLUSTER://testc/w/a.*'), ['w/a.txt'])
  await t.rejects(cluster.glob('/etc/*'), { code: 'PYME_ERR_INVALID_NAME' })
  await t.rejects(cluster.glob('w/../../*'), { code: 'PYME_ERR_INVALID_NAME' })
  await t.rejects(cluster.glob(''), { code: 'PYME_ERR_INVALID_NAME' })
  await t.rejects(cluster.glob('a\u0000b'), { code: 'PYME_ERR_INVALID_NAME' })
  await t.rejects(cluster.glob(3 as never), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  await servers[1]!.close()
  t.same(await cluster.glob('w/pf/*'), ['w/pf/f1.bin'], 'a dead server is skipped')
  await t.rejects(cluster.glob('w/pf/*', { strict: true }), { code: 'PYME_ERR_NODE_UNREACHABLE' })
})

t.test('glob answers that are not cluster paths are dropped', async (t) => {
  // Stand-in for PYME's unconfined __glob (it answers absolute and '..' paths): a bare
  // listener that answers every request with such a list.
  const { createServer } = await import('node:http')
  const body = JSON.stringify(['ok/file', '../etc/passwd', '/etc/shadow', 'a/../../b', '', 'x\u0000y'])
  const bare = createServer((_req, res) => { res.writeHead(200, { 'content-length': Buffer.byteLength(body) }); res.end(body) })
  bare.listen(0, '127.0.0.1')
  await once(bare, 'listening')
  t.teardown(() => { bare.closeAllConnections(); bare.close() })
  const url = `http://127.0.0.1:${(bare.address() as import('node:net').AddressInfo).port}/`
  const cluster = await (await import('../../lib/cluster/cluster.js')).Cluster.connect({ cluster: 'g', servers: [url], registry: false, env: {} })
  t.teardown(() => cluster.close())
  t.same(await cluster.glob('*'), ['etc/shadow', 'ok/file'], "'/etc/shadow' becomes the cluster path etc/shadow; '..' and NUL are refused")
})
