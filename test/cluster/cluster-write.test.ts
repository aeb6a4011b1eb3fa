import { Readable } from 'node:stream'
import t from 'tap'
import { startDataServers } from '../helpers/data-servers.js'
import { connectTo, putBehindClient } from './cluster-helpers.js'

t.test('putFile: least recently written server, visible to the writer at once', async (t) => {
  const servers = await startDataServers(t, 2)
  const cluster = await connectTo(t, servers, { listingCacheMs: 60_000 })
  t.same(await cluster.listdir('pw/s.pcs'), [], 'listing cached (empty) before the writes')
  t.same(await cluster.listdir('pw'), [])
  const results = []
  for (let i = 0; i < 4; i++) results.push(await cluster.putFile(`pw/s.pcs/frame0000${i}.pzf`, Buffer.from(`f${i}`)))
  const [first, second] = cluster.servers().map((s) => s.url) as [string, string]
  t.same(results.map((r) => r.server.url), [first, second, first, second], 'alternates, in server order, as PYME')
  t.match(results[0], { path: 'pw/s.pcs/frame00000.pzf', size: 2, url: `${first}pw/s.pcs/frame00000.pzf` })
  t.same(await cluster.listdir('pw/s.pcs'), ['frame00000.pzf', 'frame00001.pzf', 'frame00002.pzf', 'frame00003.pzf'],
    'own writes update the (fresh) cached listing')
  await cluster.putFile('pw/s.pcs/metadata.json', Buffer.from('{}'))
  await cluster.putFile('pw/s.pcs/events.json', Buffer.from('[]'))
  t.match((await cluster.listDirectory('pw')).entries, [{ name: 's.pcs', isDirectory: true, isSeries: true, isComplete: true }], 'parent listing shows the series flags')
  t.equal((await cluster.getFile('pw/s.pcs/frame00002.pzf')).toString(), 'f2')
  t.same((await cluster.locateFile('pw/s.pcs/frame00003.pzf')).map((l) => l.server.url), [second])
  // Another client sees them too (the servers list them).
  const other = await connectTo(t, servers)
  t.equal((await other.listdir('pw/s.pcs')).length, 6)
})

t.test('write-once: a name known anywhere is refused; the server\'s 405 too', async (t) => {
  const servers = await startDataServers(t, 2)
  const cluster = await connectTo(t, servers)
  await cluster.putFile('once/a.txt', Buffer.from('first'))
  await t.rejects(cluster.putFile('once/a.txt', Buffer.from('again')), { code: 'PYME_ERR_EXISTS', message: /'once\/a.txt' already exists in cluster 'testc' \(on http/ })
  // Written by someone else on server 1; our listing of once/ (on server 1) has it once listed.
  t.equal(await putBehindClient(servers[1]!, 'once/b.txt', 'theirs'), 200)
  await cluster.listdir('once', { fresh: true })
  await t.rejects(cluster.putFile('once/b.txt', Buffer.from('mine')), { code: 'PYME_ERR_EXISTS', message: /listed by/ })
  // Unknown to our caches, existing on the server we write to: the server says 405.
  const fresh = await connectTo(t, [servers[0]!])
  t.equal(await putBehindClient(servers[0]!, 'once/c.txt', 'theirs'), 200)
  await t.rejects(fresh.putFile('once/c.txt', Buffer.from('mine')), { code: 'PYME_ERR_EXISTS', message: /on http:\/\/127\.0\.0\.1/ })
  t.equal((await fresh.getFile('once/c.txt')).toString(), 'theirs', 'their content is intact')
  // A directory of that name counts too.
  await t.rejects(cluster.putFile('once', Buffer.from('x')), { code: 'PYME_ERR_EXISTS' })
})

t.test("existenceCheck 'cluster': every server is asked first", async (t) => {
  const servers = await startDataServers(t, 2)
  const cluster = await connectTo(t, servers, { existenceCheck: 'cluster', distribution: () => 0 })
  t.equal(await putBehindClient(servers[1]!, 'ec/x', 'theirs'), 200)
  await t.rejects(cluster.putFile('ec/x', Buffer.from('mine')), { code: 'PYME_ERR_EXISTS', message: /listed by a server/ },
    'found on the server we would not have written to')
  t.match(await cluster.putFile('ec/y', Buffer.from('new')), { server: { url: cluster.servers()[0]!.url } })
  await servers[1]!.close()
  await t.rejects(cluster.putFile('ec/z', Buffer.from('new')), { code: 'PYME_ERR_NODE_UNREACHABLE', message: /cannot check that 'ec\/z' is new/ })
  await servers[0]!.close()
  await t.rejects(cluster.putFile('ec/w', Buffer.from('new')), { code: 'PYME_ERR_NODE_UNREACHABLE' }, 'no server answers the check')
})

t.test('a server that cannot be connected to: the next one takes the file', async (t) => {
  const servers = await startDataServers(t, 2)
  const cluster = await connectTo(t, servers, { distribution: 'round-robin', discoveryTimeoutMs: 100 })
  const firstChoice = servers.find((s) => s.url === cluster.servers()[0]!.url)!
  const other = servers.find((s) => s !== firstChoice)!
  await firstChoice.close()
  // The directory still lists it until it is re-probed: the PUT is refused at connect.
  const r = await cluster.putFile('rt/a', Buffer.from('x'))
  t.equal(r.server.url, other.url)
  t.equal((await cluster.getFile('rt/a')).toString(), 'x')
  await t.rejects(cluster.putFile('rt/b', Buffer.from('x'), { server: firstChoice.url }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /is not one of the live servers \(cluster 'testc'\)/ })
  await other.close()
  await t.rejects(cluster.putFile('rt/c', Buffer.from('x')), { code: /^PYME_ERR_(NODE_UNREACHABLE|NO_SERVERS)$/ })
})

t.test('putStream, pinned server, and refused arguments', async (t) => {
  const servers = await startDataServers(t, 2)
  const cluster = await connectTo(t, servers)
  const body = Buffer.alloc(2 * 1024 * 1024, 3)
  const r = await cluster.putStream('st/big.bin', Readable.from([body.subarray(0, 1000), body.subarray(1000)]), body.length, { server: servers[1]!.url.replace(/\/$/, '') })
  t.equal(r.server.url, servers[1]!.url)
  t.ok((await cluster.getFile('st/big.bin')).equals(body))
  await t.rejects(cluster.putStream('st/short.bin', Readable.from([Buffer.from('abc')]), 10), 'a stream shorter than its size is refused')
  t.same(await cluster.locateFile('st/short.bin', { fresh: true }), [], 'and nothing was stored')
  await t.rejects(cluster.putFile('st/x', 'text' as never), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  await t.rejects(cluster.putStream('st/x', Readable.from([]), -1), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  await t.rejects(cluster.putStream('st/x', {} as never, 1), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  await t.rejects(cluster.putFile('st/with space', Buffer.from('x')), { code: 'PYME_ERR_INVALID_NAME' })
  await t.rejects(cluster.putFile('st/dir/', Buffer.from('x')), { code: 'PYME_ERR_INVALID_NAME' })
  await t.rejects(cluster.putFile('', Buffer.from('x')), { code: 'PYME_ERR_INVALID_NAME' })
})
