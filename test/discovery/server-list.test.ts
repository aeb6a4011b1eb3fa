import t from 'tap'
import { DEFAULT_DATA_SERVER_PORT, parseServerList, serverUrl } from '../../lib/discovery/server-list.js'

t.test('accepted forms', async (t) => {
  t.same(parseServerList(['http://10.0.0.5:1234/', '10.0.0.6:99', 'nodeA', '[::1]:7', '::1', 'http://[fe80::2]:8']), [
    { address: '10.0.0.5', port: 1234 },
    { address: '10.0.0.6', port: 99 },
    { address: 'nodeA', port: DEFAULT_DATA_SERVER_PORT },
    { address: '::1', port: 7 },
    { address: '::1', port: DEFAULT_DATA_SERVER_PORT },
    { address: 'fe80::2', port: 8 }
  ])
  t.same(parseServerList('a:1, b:2  c:3,,a:1'), [
    { address: 'a', port: 1 }, { address: 'b', port: 2 }, { address: 'c', port: 3 }
  ], 'comma or space separated, duplicates dropped')
  t.same(parseServerList(''), [])
  t.equal(serverUrl('::1', 5), 'http://[::1]:5/')
  t.equal(serverUrl('1.2.3.4', 5), 'http://1.2.3.4:5/')
})

t.test('refused forms name the option', async (t) => {
  for (const bad of ['https://a:1/', 'http://a:1/x', 'http://u@a:1/', 'a:0', 'a:70000', 'a:x', ':5', 'http://', 'a b/c']) {
    t.throws(() => parseServerList([bad], 'servers'), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /servers/ }, bad)
  }
  t.throws(() => parseServerList([5 as unknown as string]), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => parseServerList('q:x', 'PYME_CLUSTER_SERVERS'), { message: /PYME_CLUSTER_SERVERS/ })
})
