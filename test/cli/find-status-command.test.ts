import { once } from 'node:events'
import t from 'tap'
import { startDataServers } from '../helpers/data-servers.js'
import { putBehindClient } from '../cluster/cluster-helpers.js'
import { humanSize } from '../../lib/cli/cluster-options.js'
import { cli } from './cluster-cli-helpers.js'

t.test('find: every path, --name, --type, --maxdepth, --json', async (t) => {
  const servers = await startDataServers(t, 2)
  const run = cli(t, servers)
  await putBehindClient(servers[0]!, 'f/s.pcs/frame00000.pzf', '0')
  await putBehindClient(servers[1]!, 'f/s.pcs/frame00001.pzf', '1')
  await putBehindClient(servers[1]!, 'f/s.pcs/metadata.json', '{}')
  await putBehindClient(servers[0]!, 'f/notes.txt', 'n')
  let r = await run(['find', 'f'])
  t.equal(r.code, 0)
  t.equal(r.out, 'f/s.pcs/\nf/notes.txt\nf/s.pcs/frame00000.pzf\nf/s.pcs/frame00001.pzf\nf/s.pcs/metadata.json\n')
  r = await run(['find', 'PYME-CLUSTER://clic/f', '--name', 'frame*.pzf'])
  t.equal(r.out, 'f/s.pcs/frame00000.pzf\nf/s.pcs/frame00001.pzf\n')
  r = await run(['find', 'f', '--type', 'd'])
  t.equal(r.out, 'f/s.pcs/\n')
  r = await run(['find', 'f', '--maxdepth', '1'])
  t.equal(r.out, 'f/s.pcs/\nf/notes.txt\n')
  r = await run(['find', 'f', '--maxdepth', '0'])
  t.equal(r.out, '')
  r = await run(['find', '--type', 'f', '--json'])
  t.same(JSON.parse(r.out).matches.map((m: { path: string }) => m.path), ['f/notes.txt', 'f/s.pcs/frame00000.pzf', 'f/s.pcs/frame00001.pzf', 'f/s.pcs/metadata.json'])
  r = await run(['find', 'nope'])
  t.equal(r.code, 3)
  r = await run(['find', 'f', '--type', 'x'])
  t.equal(r.code, 2)
  r = await run(['find', 'f', '--maxdepth', '-1'])
  t.equal(r.code, 2)
  r = await run(['find', 'a', 'b'])
  t.equal(r.code, 2)
  await servers[1]!.close()
  r = await run(['find', 'f'])
  t.equal(r.code, 0)
  t.match(r.err, /warning: http:\/\/127\.0\.0\.1:\d+\/ did not answer; going on without it/)
  t.equal(r.out, 'f/s.pcs/\nf/notes.txt\nf/s.pcs/frame00000.pzf\n')
})

t.test('find: a server too slow for --timeout is skipped with a warning, or fails --strict', async (t) => {
  const [fast] = await startDataServers(t, 1)
  const [slow] = await startDataServers(t, 1, { testDelayMs: 4000 })
  const run = cli(t, [fast!, slow!])
  await putBehindClient(fast!, 'g/a', '1')
  await putBehindClient(slow!, 'g/b', '2')
  let r = await run(['find', 'g', '--timeout', '1000'])
  t.equal(r.code, 0)
  t.equal(r.out, 'g/a\n')
  t.match(r.err, /warning: .* did not answer \(PYME_ERR_TIMEOUT\); the walk may be incomplete/)
  r = await run(['find', 'g', '--timeout', '1000', '--strict'])
  t.equal(r.code, 5)
  t.match(r.err, /the walk is incomplete/)
  r = await run(['find', 'g', '--timeout', '0'])
  t.equal(r.code, 2)
})

t.test('status: a table of nodes; exit 5 when one does not answer', async (t) => {
  const servers = await startDataServers(t, 2, { cluster: 'clic' })
  const run = cli(t, servers)
  let r = await run(['status'])
  t.equal(r.code, 0)
  const lines = r.out.trim().split('\n')
  t.match(lines[0], /^SERVER +ADDRESS +CLUSTER +FREE +LOAD +UPTIME +RESPONSIVE$/)
  t.equal(lines.length, 3)
  t.match(lines[1], /^127\.0\.0\.1:\d+ +127\.0\.0\.1:\d+ \(local\) +clic +\S+ \S+ of \S+ \S+ +\S+ +\S+ +yes$/)
  r = await run(['status', '--json'])
  const doc = JSON.parse(r.out) as { cluster: string, servers: Array<{ responsive: boolean, cluster: string, root: string }> }
  t.equal(doc.cluster, 'clic')
  t.ok(doc.servers.every((s) => s.responsive && s.cluster === 'clic' && s.root.length > 0))
  r = await run(['status', '--timeout', 'x'])
  t.equal(r.code, 2)
  r = await run(['status', 'extra'])
  t.equal(r.code, 2)
})

t.test('status: a server that stopped answering is listed, not dropped; exit 5, in --json too', async (t) => {
  const servers = await startDataServers(t, 2, { cluster: 'clic' })
  const run = cli(t, servers)
  const dead = servers[1]!.url
  await servers[1]!.close()
  let r = await run(['status'])
  t.equal(r.code, 5, 'exit 5: a server does not answer')
  const lines = r.out.trim().split('\n')
  t.equal(lines.length, 3, 'header + both servers')
  t.match(lines[1], / +yes$/)
  t.match(lines[2], new RegExp(`^${dead.slice(7, -1)} +${dead.slice(7, -1)} \\(local\\) +- +- +- +- +no \\(PYME_ERR_NODE_UNREACHABLE\\)$`))
  t.match(r.err, new RegExp(`${dead} is not responsive: ${dead} does not answer \\(127\\.0\\.0\\.1:\\d+: .*ECONNREFUSED`))
  t.notMatch(r.err, /going on without it/, 'status reports it in the table, not as a warning')
  r = await run(['status', '--json'])
  t.equal(r.code, 5)
  const doc = JSON.parse(r.out) as { servers: Array<{ url: string, responsive: boolean, error: { code: string } | null }>, responsive: number, total: number }
  t.same(doc.servers.map((s) => [s.url, s.responsive, s.error?.code ?? null]), [[servers[0]!.url, true, null], [dead, false, 'PYME_ERR_NODE_UNREACHABLE']])
  t.match(doc, { responsive: 1, total: 2 })

  // Every server down: still one row each, exit 5 (not "no data servers" with nothing listed).
  await servers[0]!.close()
  r = await run(['status', '--json', '--discovery-timeout', '200'])
  t.equal(r.code, 5)
  t.same((JSON.parse(r.out) as typeof doc).servers.map((s) => [s.url, s.responsive]), [[servers[0]!.url, false], [dead, false]].sort())
})

t.test('humanSize', async (t) => {
  t.equal(humanSize(0), '0 B')
  t.equal(humanSize(1023), '1023 B')
  t.equal(humanSize(1024), '1.00 KiB')
  t.equal(humanSize(150 * 1024 * 1024), '150 MiB')
  t.equal(humanSize(12.5 * 1024 ** 3), '12.5 GiB')
  t.equal(humanSize(-1), '?')
  t.equal(humanSize(2 ** 60), '1024 PiB')
})

t.test('status of a server that reports only PYME\'s keys', async (t) => {
  // Stand-in for PYME's own server: its /__status has no Cluster, Root or Disk of ours, and
  // no CPUUsage when psutil is missing. A bare listener answering PYME's shape.
  const { createServer } = await import('node:http')
  const body = JSON.stringify({ IPAddress: '127.0.0.1', BindAddress: ['', 0], Port: 0, Protocol: '1.1', TestMode: false, ComputerName: 'pymehost', Uptime: '0:00:07.250001', Disk: { total: 'x' }, MemUsage: { total: 1, percent: 'n/a' } })
  const bare = createServer((_req, res) => { res.writeHead(200, { 'content-length': Buffer.byteLength(body) }); res.end(body) })
  bare.listen(0, '127.0.0.1')
  await once(bare, 'listening')
  t.teardown(() => { bare.closeAllConnections(); bare.close() })
  const port = (bare.address() as import('node:net').AddressInfo).port
  const run = cli(t, [{ url: `http://127.0.0.1:${port}/` } as never])
  const r = await run(['status'])
  t.equal(r.code, 0)
  t.match(r.out.split('\n')[1], /^127\.0\.0\.1:\d+ +127\.0\.0\.1:\d+ \(local\) +- +- +- +0:00:07 +yes$/)
  const j = await run(['status', '--json'])
  t.match(JSON.parse(j.out).servers[0], { cluster: null, root: null, disk: null, cpuUsage: null, uptime: '0:00:07.250001', error: null })
})
