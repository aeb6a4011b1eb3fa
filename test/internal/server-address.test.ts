import t from 'tap'
import { DEFAULT_DATA_SERVER_PORT, parseServerAddress, parseServerList, serverUrl } from '../../lib/internal/server-address.js'

t.test('every form of one server gives the same canonical URL', async (t) => {
  for (const form of ['http://10.0.0.5:15348/', 'http://10.0.0.5:15348', '10.0.0.5:15348', '10.0.0.5', 'HTTP://10.0.0.5:15348/']) {
    t.same(parseServerAddress(form), { address: '10.0.0.5', port: 15348, url: 'http://10.0.0.5:15348/' }, form)
  }
  for (const form of ['http://[fe80::2]:8/', '[fe80::2]:8', '[FE80:0::2]:8']) {
    t.same(parseServerAddress(form), { address: 'fe80::2', port: 8, url: 'http://[fe80::2]:8/' }, form)
  }
  t.same(parseServerAddress('::1'), { address: '::1', port: DEFAULT_DATA_SERVER_PORT, url: 'http://[::1]:15348/' }, 'bare IPv6: default port')
  t.same(parseServerAddress('[::1]'), { address: '::1', port: DEFAULT_DATA_SERVER_PORT, url: 'http://[::1]:15348/' })
  t.same(parseServerAddress('NodeA'), { address: 'nodea', port: DEFAULT_DATA_SERVER_PORT, url: 'http://nodea:15348/' }, 'host names in lower case')
  t.same(parseServerAddress('http://nodeA/'), { address: 'nodea', port: 80, url: 'http://nodea:80/' }, 'a URL without a port is port 80, as every URL')
  t.same(parseServerAddress('http://[::1]:80/'), { address: '::1', port: 80, url: 'http://[::1]:80/' })
  t.equal(parseServerAddress('127.1:9').url, 'http://127.0.0.1:9/', 'IPv4 normal form')
})

t.test('lists: comma or space separated, duplicates (in any form) dropped', async (t) => {
  t.same(parseServerList(['http://10.0.0.5:1234/', '10.0.0.6:99', 'nodeA', '[::1]:7', '::1', 'http://[fe80::2]:8']).map((s) => s.url), [
    'http://10.0.0.5:1234/', 'http://10.0.0.6:99/', 'http://nodea:15348/', 'http://[::1]:7/', 'http://[::1]:15348/', 'http://[fe80::2]:8/'
  ])
  t.same(parseServerList('a:1, b:2  c:3,,a:1 http://a:1/').map((s) => s.url), ['http://a:1/', 'http://b:2/', 'http://c:3/'])
  t.same(parseServerList(''), [])
  t.equal(serverUrl('::1', 5), 'http://[::1]:5/')
  t.equal(serverUrl('1.2.3.4', 5), 'http://1.2.3.4:5/')
})

t.test('refused forms name the option and say what works', async (t) => {
  for (const bad of ['https://a:1/', 'http://a:1/x', 'http://u@a:1/', 'http://a:1/?q', 'a:0', 'a:70000', 'a:x', 'a:', ':5', 'http://', 'a b/c', 'a/b:1', '[zz]:1', 'a@b:1', 'ftp://a/']) {
    t.throws(() => parseServerList([bad], 'servers'), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /^invalid servers: .*host:port/ }, bad)
  }
  t.throws(() => parseServerList([5 as unknown as string]), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /expected strings/ })
  t.throws(() => parseServerList(5 as unknown as string), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /expected an array/ })
  t.throws(() => parseServerAddress(undefined, 'server'), { message: /^invalid server: expected strings/ })
  t.throws(() => parseServerList('q:x', 'PYME_CLUSTER_SERVERS'), { message: /PYME_CLUSTER_SERVERS/ })
})
