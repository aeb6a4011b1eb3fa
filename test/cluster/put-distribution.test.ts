import t from 'tap'
import { PutPlanner } from '../../lib/cluster/put-distribution.js'
import type { DataServerInfo } from '../../lib/discovery/node-directory.js'

const S = (n: number): DataServerInfo => ({ name: `s${n}`, url: `http://127.0.0.1:${n}/`, address: '127.0.0.1', port: n, source: 'static', local: true })
const servers = [S(1), S(2), S(3)]

t.test('least recently written, as PYME: never-written first, ties in server order', async (t) => {
  const p = new PutPlanner('least-recently-written')
  const picks = Array.from({ length: 6 }, () => p.pick('x', servers, new Set())?.port)
  t.same(picks, [1, 2, 3, 1, 2, 3])
  t.equal(p.pick('x', [...servers, S(4)], new Set())?.port, 4, 'a new server is used first')
  t.equal(p.pick('x', servers, new Set(['http://127.0.0.1:1/']))?.port, 2, 'excluded servers are skipped')
  t.equal(p.pick('x', servers, new Set(servers.map((s) => s.url))), undefined)
})

t.test('round robin and functions', async (t) => {
  const rr = new PutPlanner('round-robin')
  t.same([0, 1, 2, 3].map(() => rr.pick('x', servers, new Set())?.port), [1, 2, 3, 1])
  const byName = new PutPlanner((path, list) => path.length % list.length)
  t.equal(byName.pick('ab', servers, new Set())?.port, 3)
  const bad = new PutPlanner(() => 7)
  t.throws(() => bad.pick('x', servers, new Set()), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /returned 7 for 3 servers/ })
  t.throws(() => new PutPlanner('random' as never), { code: 'PYME_ERR_INVALID_ARGUMENT' })
})
