// One address form everywhere: host:port, host and http://host:port/ name the same server for
// the CLI and for the API (Cluster, Streamer, ClusterBackend, SeriesReader); servers given
// without a cluster name are the only servers used, and messages and URIs name them, not the
// computer's name.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { main } from '../../lib/cli/main.js'
import { Cluster } from '../../lib/cluster/cluster.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import { Streamer } from '../../lib/streamer/streamer.js'
import { startDataServers } from '../helpers/data-servers.js'
import { putBehindClient } from '../cluster/cluster-helpers.js'
import { captureIo } from './cluster-cli-helpers.js'

const hostPort = (url: string): string => url.slice('http://'.length, -1)

async function run (argv: readonly string[]): Promise<{ code: number, out: string, err: string }> {
  // A computer name that must never appear: the servers are given, no cluster is named.
  const io = captureIo({ PYME_COMPUTERNAME: 'not-this-host', TMPDIR: tmpdir() })
  const code = await main(argv, io)
  t.comment(`$ pyme-cluster ${argv.join(' ')} → ${code}`)
  return { code, out: io.out(), err: io.err() }
}

t.test('the CLI takes every form, names the servers used, and prints URIs as getURL() does', async (t) => {
  const servers = await startDataServers(t, 2)
  const [a, b] = [servers[0]!, servers[1]!]
  await putBehindClient(a, 'forms/dir/inner.txt', 'inside')
  const dir = await mkdtemp(join(tmpdir(), 'pyme-forms-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'f.txt'), 'hello')

  for (const form of [hostPort(a.url), a.url, a.url.slice(0, -1)]) {
    const r = await run(['ls', 'forms', '--servers', `${form},${hostPort(b.url)}`])
    t.equal(r.code, 0, form)
    t.equal(r.out, 'dir/\n', form)
  }

  // Not found: the message names the servers in use, not "cluster 'not-this-host'".
  let r = await run(['stat', 'forms/nope', '--servers', hostPort(a.url)])
  t.equal(r.code, 3)
  t.match(r.err, `'forms/nope' does not exist in data server ${a.url} (PYME_ERR_NOT_FOUND)`)
  t.notMatch(r.err, /not-this-host/)

  // get on a directory says so.
  r = await run(['get', 'forms/dir', join(dir, 'x'), '--servers', hostPort(a.url)])
  t.equal(r.code, 2)
  t.match(r.err, `'forms/dir' is a directory in data server ${a.url}, not a file (PYME_ERR_INVALID_NAME)`)

  // put --server alone: exactly that server, never discovery.
  r = await run(['put', '-q', join(dir, 'f.txt'), 'forms/f.txt', '--server', hostPort(b.url)])
  t.equal(r.code, 0, r.err)
  t.equal(r.out, `PYME-CLUSTER:///forms/f.txt  5 B  on ${b.url}\n`, 'the URI form of getURL() with servers')
  r = await run(['put', '-q', join(dir, 'f.txt'), 'forms/g.txt', '--server', hostPort(b.url), '--servers', a.url])
  t.equal(r.code, 2)
  t.match(r.err, `invalid --server: ${b.url} is not one of --servers ${a.url}`)
  r = await run(['put', '-q', join(dir, 'f.txt'), 'forms/f.txt', '--servers', `${a.url} ${b.url}`])
  t.equal(r.code, 4)
  t.match(r.err, /'forms\/f\.txt' already exists in data servers http:\/\/127\.0\.0\.1:\d+\/, http:\/\/127\.0\.0\.1:\d+\/ \(listed by /)
  t.ok(r.err.includes(a.url) && r.err.includes(b.url), 'both servers named')

  // An option a command does not know is refused, never ignored.
  r = await run(['ls', 'forms', '--servers', a.url, '--sever', 'x'])
  t.equal(r.code, 2)
  t.match(r.err, /Unknown option '--sever'/)
  r = await run(['ls', '--servers', 'http://x:1/path'])
  t.equal(r.code, 2)
  t.match(r.err, /invalid --servers: 'http:\/\/x:1\/path' must name a server only/)

  // getURL() of a series on the same servers, and the CLI's URI of it: one form.
  const backend = new ClusterBackend('forms/s.pcs', { shape: [8, 8], servers: [hostPort(a.url)] })
  await backend.initialize()
  backend.storeFrame(0, new Uint16Array(64))
  await backend.close()
  r = await run(['stat', 'forms/s.pcs', '--servers', hostPort(a.url)])
  t.match(r.out, `uri:      ${backend.getURL()}/\n`)
  t.equal(backend.getURL(), 'PYME-CLUSTER:///forms/s.pcs')
})

t.test('the API takes every form: Cluster, Streamer, ClusterBackend, SeriesReader', async (t) => {
  const [server] = await startDataServers(t, 1)
  const url = server!.url
  const cluster = await Cluster.connect({ servers: [hostPort(url)], registry: false, env: {} })
  t.same(cluster.servers().map((s) => s.url), [url])
  t.equal(cluster.serverfilter, '', 'servers without a cluster name: PYME-CLUSTER:///')
  await cluster.putFile('api/a.txt', Buffer.from('a'), { server: hostPort(url) })
  await cluster.close()
  const named = await Cluster.connect({ cluster: 'lab9', servers: [url], registry: false, env: {} })
  t.equal(named.serverfilter, 'lab9')
  await named.close()

  const streamer = new Streamer({ servers: [hostPort(url)] })
  await streamer.putAsync('api/b.txt', Buffer.from('b'))
  const report = await streamer.close()
  t.same(Object.keys(report.nodes), [url], 'reported in the canonical form')
  t.throws(() => new Streamer({ servers: [hostPort(url), url] }), { message: /listed twice/ })

  const backend = new ClusterBackend('api/s.pcs', { shape: [4, 4], servers: [url.slice(0, -1)] })
  await backend.initialize()
  backend.storeFrame(0, new Uint16Array(16))
  await backend.close()
  const reader = await SeriesReader.open('PYME-CLUSTER:///api/s.pcs', { servers: [hostPort(url)], cluster: { registry: false, mdns: false } })
  t.equal(reader.frameCount, 1)
  await reader.close()
})
