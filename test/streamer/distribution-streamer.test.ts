/**
 * Distribution functions as the streamer uses them: PYME's chunked blocks, a custom function with
 * the PYME-style signature, a bad result failing only its file, least-loaded skipping a dead node.
 */
import t from 'tap'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { startDataServers } from '../helpers/data-servers.js'
import { Streamer } from '../../lib/streamer/streamer.js'
import type { DistributionFn } from '../../lib/streamer/distribution.js'

t.test('chunked: blocks of chunkSize frames per node', async (t) => {
  const servers = await startDataServers(t, 2)
  const s = new Streamer({ servers: servers.map((x) => x.url), distribution: 'chunked', chunkSize: 5 })
  for (let i = 0; i < 20; i++) s.put(`ch/f${String(i).padStart(2, '0')}`, Buffer.from('x'), { index: i })
  await s.close()
  t.same((await readdir(join(servers[0]!.root, 'ch'))).sort(), ['f00', 'f01', 'f02', 'f03', 'f04', 'f10', 'f11', 'f12', 'f13', 'f14'])
  t.same((await readdir(join(servers[1]!.root, 'ch'))).sort(), ['f05', 'f06', 'f07', 'f08', 'f09', 'f15', 'f16', 'f17', 'f18', 'f19'])
})

t.test('a custom function gets (nNodes, { index, path, nodes }); a bad result fails that file only', async (t) => {
  const servers = await startDataServers(t, 3)
  const seen: string[] = []
  const fn: DistributionFn = (n, { index, path, nodes }) => {
    seen.push(`${n} ${String(index)} ${path} ${nodes.length} ${nodes[0]!.state}`)
    if (path.endsWith('oops')) return n // out of range
    if (path.endsWith('frac')) return 0.5
    if (path.endsWith('throw')) throw new Error('boom')
    return path.startsWith('pyr/a') ? 2 : 1
  }
  const s = new Streamer({ servers: servers.map((x) => x.url), distribution: fn })
  s.put('pyr/a1', Buffer.from('1'), { index: 4 })
  s.put('pyr/b1', Buffer.from('2'))
  s.put('pyr/oops', Buffer.from('3'))
  s.put('pyr/frac', Buffer.from('4'))
  s.put('pyr/throw', Buffer.from('5'))
  s.put('pyr/a2', Buffer.from('6'))
  const err = await s.close().then(() => null, (e: unknown) => e) as { failed: string[], report: { files: number, failed: Array<{ error: Error }> } }
  t.same(err.failed, ['pyr/oops', 'pyr/frac', 'pyr/throw'])
  t.match(err.report.failed[0]!.error, { code: 'PYME_ERR_INVALID_ARGUMENT', message: /returned 3 for pyr\/oops; expected an integer from 0 to 2/ })
  t.match(err.report.failed[2]!.error, { code: 'PYME_ERR_INVALID_ARGUMENT', message: /threw/ })
  t.equal(err.report.files, 3, 'the stream went on')
  t.equal(seen[0], '3 4 pyr/a1 3 up')
  t.equal(seen[1], '3 undefined pyr/b1 3 up')
  t.same((await readdir(join(servers[2]!.root, 'pyr'))).sort(), ['a1', 'a2'])
  t.same(await readdir(join(servers[1]!.root, 'pyr')), ['b1'])
})

t.test('least-loaded avoids a node that is down', async (t) => {
  const [good] = await startDataServers(t, 1)
  const s = new Streamer({ servers: ['http://127.0.0.1:1/', good!.url], distribution: 'least-loaded', backoff: { minMs: 10_000, maxMs: 10_000 } })
  const first = await s.putAsync('ll/first', Buffer.from('x'))
  t.equal(first.node, good!.url, 'refused by the dead node, re-sent to the good one')
  for (let i = 0; i < 10; i++) s.put(`ll/f${i}`, Buffer.from('x'))
  const report = await s.close()
  t.equal(report.nodes[good!.url]!.files, 11)
  t.equal(report.nodes['http://127.0.0.1:1/']!.state, 'down')
})
