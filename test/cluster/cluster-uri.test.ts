import t from 'tap'
import { formatClusterUri, isClusterUri, parseClusterUri } from '../../lib/cluster/cluster-uri.js'

t.test('PROTOCOL.md §2.2 table', async (t) => {
  t.same(parseClusterUri('PYME-CLUSTER://TES1/user/s.pcs'), { serverfilter: 'TES1', path: 'user/s.pcs' })
  t.same(parseClusterUri('pyme-cluster:///user/s.pcs'), { serverfilter: '', path: 'user/s.pcs' })
  t.same(parseClusterUri('PYME-CLUSTER:////abs'), { serverfilter: '', path: '/abs' })
  t.same(parseClusterUri('Pyme-Cluster://c/'), { serverfilter: 'c', path: '' }, 'any letter case; the root')
  t.same(parseClusterUri('PYME-CLUSTER://c/d%20x/'), { serverfilter: 'c', path: 'd%20x/' }, 'not decoded, as PYME')
  t.throws(() => parseClusterUri('PYME-CLUSTER://TES1'), { code: 'PYME_ERR_INVALID_URI', message: /has no path/ })
})

t.test('recognition and refusals', async (t) => {
  t.ok(isClusterUri('PYME-CLUSTER:///x'))
  t.ok(isClusterUri('pYmE-cLuStEr://a/b'))
  t.notOk(isClusterUri('pyme-clusterX://a/b'), 'the scheme must end at ://')
  t.notOk(isClusterUri('user/file'))
  t.notOk(isClusterUri(5))
  t.throws(() => parseClusterUri('http://a/b'), { code: 'PYME_ERR_INVALID_URI' })
  t.throws(() => parseClusterUri('PYME-CLUSTER://a?b/x'), { code: 'PYME_ERR_INVALID_URI', message: /serverfilter/ })
  t.throws(() => parseClusterUri('PYME-CLUSTER://a/x\u0000y'), { code: 'PYME_ERR_INVALID_URI' })
  t.throws(() => parseClusterUri('PYME-CLUSTER://a/x\ny'), { code: 'PYME_ERR_INVALID_URI' })
})

t.test('format', async (t) => {
  t.equal(formatClusterUri('TES1', 'user/s.pcs'), 'PYME-CLUSTER://TES1/user/s.pcs')
  t.equal(formatClusterUri('', '/user/s.pcs'), 'PYME-CLUSTER:///user/s.pcs', 'triple slash for the empty filter')
  t.equal(formatClusterUri('c', 'a/dir/'), 'PYME-CLUSTER://c/a/dir/')
  t.equal(formatClusterUri('c', ''), 'PYME-CLUSTER://c/')
  t.same(parseClusterUri(formatClusterUri('lab-1', 'x/y.pzf')), { serverfilter: 'lab-1', path: 'x/y.pzf' }, 'round trip')
  t.throws(() => formatClusterUri('a.b', 'x'), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => formatClusterUri('a/b', 'x'), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => formatClusterUri(1 as never, 'x'), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => formatClusterUri('c', 'a/../b'), { code: 'PYME_ERR_INVALID_NAME' })
})
