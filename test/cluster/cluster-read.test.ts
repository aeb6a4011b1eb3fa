import { once } from 'node:events'
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buffer } from 'node:stream/consumers'
import t from 'tap'
import { Cluster } from '../../lib/cluster/cluster.js'
import { startDataServers } from '../helpers/data-servers.js'
import { connectTo, putBehindClient } from './cluster-helpers.js'

t.test('getFile: content from whichever server has it; NotFoundError at once when none has it', async (t) => {
  const servers = await startDataServers(t, 3)
  const cluster = await connectTo(t, servers, { localBypass: false })
  await putBehindClient(servers[2]!, 'r/a.txt', 'hello from clusterIO\n')
  const big = Buffer.alloc(3 * 1024 * 1024, 7)
  await putBehindClient(servers[1]!, 'r/big.bin', big)
  t.equal((await cluster.getFile('r/a.txt')).toString(), 'hello from clusterIO\n')
  t.ok((await cluster.getFile('r/big.bin')).equals(big), 'a 3 MiB file, complete')
  const locs = await cluster.locateFile('r/a.txt')
  t.same(locs.map((l) => l.url), [`${servers[2]!.url}r/a.txt`])
  t.type(locs[0]?.costMs, 'number')
  t.same(await cluster.locateFile('r/none'), [])
  const t0 = performance.now()
  await t.rejects(cluster.getFile('r/missing.txt'), { code: 'PYME_ERR_NOT_FOUND', message: /'r\/missing.txt' does not exist in cluster 'testc' \(every data server answered\)/ })
  t.ok(performance.now() - t0 < 2500, 'no PYME-style sleeps when every server answered')
  await t.rejects(cluster.getFile('r/'), { code: 'PYME_ERR_INVALID_NAME', message: /names a directory/ })
  await t.rejects(cluster.getFile('r/../x'), { code: 'PYME_ERR_INVALID_NAME' })
  await t.rejects(cluster.getFile('r/a.txt', { retries: 0 }), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  const s = await cluster.openFile('r/big.bin')
  t.equal(s.size, big.length)
  t.equal(s.local, false)
  t.equal(s.source, `${servers[1]!.url}r/big.bin`)
  t.ok((await buffer(s.stream)).equals(big))
})

t.test('the small-file cache: a copy per call, bounded, only small files', async (t) => {
  const servers = await startDataServers(t, 1)
  const cluster = await connectTo(t, servers, { localBypass: false, fileCacheMaxFileBytes: 10, discoveryTimeoutMs: 100 })
  await putBehindClient(servers[0]!, 'fc/small', 'tiny')
  await putBehindClient(servers[0]!, 'fc/large', 'x'.repeat(11))
  const first = await cluster.getFile('fc/small')
  first.fill(0)
  await cluster.getFile('fc/large')
  await servers[0]!.close()
  t.equal((await cluster.getFile('fc/small')).toString(), 'tiny', 'served from the cache, unharmed by the caller changing its copy')
  // The only server is gone: unreachable, or (once discovery dropped it) no servers at all.
  const gone = { code: /^PYME_ERR_(NODE_UNREACHABLE|NO_SERVERS)$/ }
  await t.rejects(cluster.getFile('fc/large'), gone, 'not cached: too large')
  await t.rejects(cluster.getFile('fc/small', { cache: false }), gone)
})

t.test('a dead location: the next location serves; with none left, a clear error', async (t) => {
  const servers = await startDataServers(t, 2)
  const cluster = await connectTo(t, servers, { localBypass: false, fileCacheEntries: 0, discoveryTimeoutMs: 100 })
  // The same name on both servers (a PYME write-once violation that our client reports in locations).
  await putBehindClient(servers[0]!, 'd/dup.txt', 'same')
  await putBehindClient(servers[1]!, 'd/dup.txt', 'same')
  await putBehindClient(servers[0]!, 'd/only0.txt', 'zero')
  t.same((await cluster.stat('d/dup.txt')).locations.length, 2)
  t.equal((await cluster.getFile('d/only0.txt')).toString(), 'zero')
  await servers[0]!.close()
  t.equal((await cluster.getFile('d/dup.txt')).toString(), 'same', 'served by the surviving copy')
  // Said as it is: the server known to hold it does not answer (not "does not exist").
  await t.rejects(cluster.getFile('d/only0.txt', { retries: 2 }), { code: 'PYME_ERR_NODE_UNREACHABLE', message: /did not answer|ECONNREFUSED|'d\/only0\.txt' is on http:\/\/127\.0\.0\.1:\d+\/, which is not answering/ })
})

t.test('a server that accepts but never answers: OperationTimeoutError after timeoutMs', async (t) => {
  // The real server with PYME's --timeout-test delay: its listing answers within the
  // listing timeout, its file GET not within the read timeout.
  const [slow] = await startDataServers(t, 1, { testDelayMs: 400 })
  await putBehindClient(slow!, 'slow/f', 'data')
  const cluster = await connectTo(t, [slow!], { localBypass: false, listTimeoutMs: 5000, getTimeoutMs: 100, retryDelayMs: 0 })
  const t0 = performance.now()
  const err = await cluster.getFile('slow/f', { retries: 2 }).catch((e: unknown) => e)
  t.match(err, { code: 'PYME_ERR_TIMEOUT', message: /reading 'slow\/f': read http:\/\/127\.0\.0\.1:\d+\/slow\/f: no answer within 100 ms/ })
  t.ok(performance.now() - t0 < 3000)
  t.equal((await cluster.getFile('slow/f', { timeoutMs: 2000 })).toString(), 'data', 'a longer timeout reads it')
})

t.test('a bare listener that never answers anything: listing and status time out cleanly', async (t) => {
  // Labelled stand-in: a TCP+HTTP listener that accepts requests and never responds — a
  // protocol situation (a hung server) the real data server cannot show.
  const hung: Server = createServer(() => { /* never answers */ })
  hung.listen(0, '127.0.0.1')
  await once(hung, 'listening')
  t.teardown(() => { hung.closeAllConnections(); hung.close() })
  const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/`
  const [real] = await startDataServers(t, 1)
  await putBehindClient(real!, 'h/x', '1')
  const cluster = await Cluster.connect({ cluster: 'c', servers: [real!.url, url], registry: false, env: {}, listTimeoutMs: 1000, statusTimeoutMs: 1000, localBypass: false, probeIntervalMs: 60_000 })
  t.teardown(() => cluster.destroy())
  const l = await cluster.listDirectory('h')
  t.same(l.entries.map((e) => e.name), ['x'])
  t.match(l.unreachable, [{ server: { url }, error: { code: 'PYME_ERR_TIMEOUT' } }])
  t.equal((await cluster.getFile('h/x')).toString(), '1')
  const st = await cluster.status()
  t.match(st.find((s) => s.server.url === url), { responsive: false, error: { code: 'PYME_ERR_TIMEOUT' } })
  t.match(st.find((s) => s.server.url === real!.url), { responsive: true, cluster: real!.cluster, root: real!.root })
})

t.test('local bypass: files of a local server are read from disk, inside its real root only', async (t) => {
  const servers = await startDataServers(t, 1)
  const server = servers[0]!
  const cluster = await connectTo(t, servers)
  await putBehindClient(server, 'lb/s/frame00000.pzf', 'pixels')
  t.equal(await cluster.isLocal('lb/s/frame00000.pzf'), true)
  const local = await cluster.getLocalPath('PYME-CLUSTER://testc/lb/s/frame00000.pzf')
  t.match(local, /lb\/s\/frame00000\.pzf$/)
  const opened = await cluster.openFile('lb/s/frame00000.pzf')
  t.equal(opened.local, true, 'read from disk')
  t.equal(opened.source, local)
  t.equal((await buffer(opened.stream)).toString(), 'pixels')
  t.equal((await cluster.getFile('lb/s/frame00000.pzf', { cache: false })).toString(), 'pixels')

  // Files put in the root behind the server's back: a writable one (not known complete),
  // and a symlink that leaves the root. Neither is read from disk.
  const outside = await mkdtemp(join(tmpdir(), 'pyme-outside-'))
  t.teardown(() => rm(outside, { recursive: true, force: true }))
  await writeFile(join(outside, 'secret'), 'outside the root')
  await chmod(join(outside, 'secret'), 0o440)
  await mkdir(join(server.root, 'lb', 'odd'), { recursive: true })
  await writeFile(join(server.root, 'lb', 'odd', 'writing.bin'), 'partial')
  await symlink(join(outside, 'secret'), join(server.root, 'lb', 'odd', 'escape'))
  const names = await cluster.listdir('lb/odd', { fresh: true })
  t.ok(names.includes('writing.bin'))
  t.equal(await cluster.getLocalPath('lb/odd/writing.bin'), undefined, 'writable: not read directly')
  t.equal(await cluster.isLocal('lb/odd/writing.bin'), false)
  const viaHttp = await cluster.openFile('lb/odd/writing.bin')
  t.equal(viaHttp.local, false, 'falls back to HTTP')
  t.equal((await buffer(viaHttp.stream)).toString(), 'partial')
  if (names.includes('escape')) {
    t.equal(await cluster.getLocalPath('lb/odd/escape'), undefined, 'the escaping link is not followed')
    await t.rejects(cluster.getFile('lb/odd/escape'), 'and the server refuses it too')
  } else {
    t.pass('the server does not list a link that leaves its root')
    t.equal(await cluster.getLocalPath('lb/odd/escape'), undefined)
  }
  const off = await connectTo(t, servers, { localBypass: false })
  t.equal((await off.openFile('lb/s/frame00000.pzf')).local, false, 'localBypass: false')
})

t.test('local bypass by configuration; a root that does not hold the file falls back to HTTP', async (t) => {
  const servers = await startDataServers(t, 1)
  const server = servers[0]!
  await putBehindClient(server, 'cfg/f.txt', 'abc')
  const elsewhere = await mkdtemp(join(tmpdir(), 'pyme-wrongroot-'))
  t.teardown(() => rm(elsewhere, { recursive: true, force: true }))
  await mkdir(join(elsewhere, 'cfg'))
  await writeFile(join(elsewhere, 'cfg', 'f.txt'), 'WRONG SIZE')
  await chmod(join(elsewhere, 'cfg', 'f.txt'), 0o440)
  const wrong = await connectTo(t, servers, { localBypass: { roots: { [server.url]: elsewhere } }, fileCacheEntries: 0 })
  t.equal((await wrong.getFile('cfg/f.txt')).toString(), 'abc', 'size differs from the listing: read over HTTP')
  t.equal((await wrong.openFile('cfg/f.txt')).local, false)
  const right = await connectTo(t, servers, { localBypass: { roots: { [server.url.replace(/\/$/, '')]: server.root } } })
  t.equal((await right.openFile('cfg/f.txt')).local, true)
  const missingRoot = await connectTo(t, servers, { localBypass: { roots: { [server.url]: join(elsewhere, 'nope') } } })
  t.equal((await missingRoot.openFile('cfg/f.txt')).local, false)
})

t.test('a file removed behind the server\'s back: NotFoundError, not a stale location', async (t) => {
  const servers = await startDataServers(t, 1)
  const cluster = await connectTo(t, servers, { localBypass: false, fileCacheEntries: 0 })
  await putBehindClient(servers[0]!, 'gone/f.txt', 'here')
  t.equal((await cluster.getFile('gone/f.txt')).toString(), 'here')
  await rm(join(servers[0]!.root, 'gone', 'f.txt'))
  // The server may still list it for a moment (its own listing cache): each GET says 404.
  await t.rejects(cluster.getFile('gone/f.txt'), { code: 'PYME_ERR_NOT_FOUND', message: /gone from the servers that listed it|does not exist/ })
})
