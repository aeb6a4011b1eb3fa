import t from 'tap'
import { startDataServers } from '../helpers/data-servers.js'
import { connectTo, putBehindClient } from './cluster-helpers.js'

t.test('every path-taking method accepts PYME-CLUSTER:// URIs of the connected cluster', async (t) => {
  const servers = await startDataServers(t, 1)
  const cluster = await connectTo(t, servers)
  await putBehindClient(servers[0]!, 'u/s.pcs/metadata.json', '{"a":1}')
  const forms = ['PYME-CLUSTER://testc/u/s.pcs/metadata.json', 'pyme-cluster://testc/u/s.pcs/metadata.json',
    'PYME-CLUSTER:///u/s.pcs/metadata.json', 'PYME-CLUSTER:////u/s.pcs/metadata.json', '/u/s.pcs/metadata.json', 'u/s.pcs/metadata.json']
  for (const f of forms) t.equal((await cluster.getFile(f)).toString(), '{"a":1}', f)
  t.same(await cluster.listdir('PYME-CLUSTER://testc/u/s.pcs/'), ['metadata.json'])
  t.same(await cluster.listdir('PYME-CLUSTER://testc/'), ['u/'], 'the root')
  t.equal(await cluster.isdir('PYME-CLUSTER://testc/u'), true)
  t.equal(await cluster.exists('PYME-CLUSTER:///u/s.pcs'), true)
  t.match(await cluster.stat('pyme-cluster://testc/u/s.pcs'), { isSeries: true })
  t.equal((await cluster.locateFile('PYME-CLUSTER://testc/u/s.pcs/metadata.json')).length, 1)
  const put = await cluster.putFile('PYME-CLUSTER://testc/u/s.pcs/events.json', Buffer.from('[]'))
  t.equal(put.path, 'u/s.pcs/events.json')
  await t.rejects(cluster.getFile('PYME-CLUSTER://other/u/s.pcs/metadata.json'), { code: 'PYME_ERR_INVALID_URI', message: /names cluster 'other', but this client is connected to cluster 'testc'/ })
  await t.rejects(cluster.listdir('PYME-CLUSTER://testc'), { code: 'PYME_ERR_INVALID_URI', message: /has no path/ })
  await t.rejects(cluster.putFile('PYME-CLUSTER://testc/u/bad name', Buffer.from('x')), { code: 'PYME_ERR_INVALID_NAME' })
  await t.rejects(cluster.listdir(42 as never), { code: 'PYME_ERR_INVALID_ARGUMENT' })
})

t.test("emptyServerfilter 'all': the triple-slash form only on an every-cluster client", async (t) => {
  const servers = await startDataServers(t, 1)
  await putBehindClient(servers[0]!, 'x.txt', 'x')
  const strict = await connectTo(t, servers, { emptyServerfilter: 'all' })
  await t.rejects(strict.getFile('PYME-CLUSTER:///x.txt'), { code: 'PYME_ERR_INVALID_URI', message: /empty serverfilter, which means every cluster/ })
  t.equal((await strict.getFile('PYME-CLUSTER://testc/x.txt')).toString(), 'x')
  const all = await connectTo(t, servers, { emptyServerfilter: 'all', cluster: '', serverfilter: { match: 'substring' } })
  t.equal(all.cluster, '')
  t.equal((await all.getFile('PYME-CLUSTER:///x.txt')).toString(), 'x')
})
