import t from 'tap'
import { startDiscovery } from '../../lib/discovery/start-discovery.js'
import { tcpListener } from './tcp-listener.js'

t.test('static servers from the option or PYME_CLUSTER_SERVERS; mDNS off by default then', async (t) => {
  const a = await tcpListener(t)
  const b = await tcpListener(t)
  const d1 = await startDiscovery({ cluster: 'c', servers: [`127.0.0.1:${a.port}`], registry: false, env: { PYME_CLUSTER_SERVERS: `127.0.0.1:${b.port}` } })
  t.teardown(() => d1.close())
  t.same((await d1.waitForServers({ timeoutMs: 2000 })).map((s) => s.port), [a.port], 'the option wins over the environment')
  const d2 = await startDiscovery({ cluster: 'c', registry: false, env: { PYME_CLUSTER_SERVERS: `http://127.0.0.1:${b.port}/` } })
  t.teardown(() => d2.close())
  t.same((await d2.waitForServers({ timeoutMs: 2000 })).map((s) => s.port), [b.port])
  await t.rejects(d2.waitForServers({ timeoutMs: 10, min: 2 }), { message: /static servers http:\/\/127\.0\.0\.1:\d+\/\)$/ }, 'no mDNS source was started')
})

t.test('options are validated, naming the option', async (t) => {
  await t.rejects(startDiscovery(null as never), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  await t.rejects(startDiscovery({ cluster: 'a.b' }), { message: /cluster/ })
  await t.rejects(startDiscovery({ cluster: 'c', serverfilter: { match: 'fuzzy' as never } }), { message: /serverfilter\.match/ })
  await t.rejects(startDiscovery({ cluster: 'c', servers: 'a:1' as never }), { message: /servers/ })
  await t.rejects(startDiscovery({ cluster: 'c', servers: ['a:x'] }), { message: /servers/ })
  await t.rejects(startDiscovery({ cluster: 'c', env: { PYME_CLUSTER_SERVERS: 'a:x' } }), { message: /PYME_CLUSTER_SERVERS/ })
  await t.rejects(startDiscovery({ cluster: 'c', mdns: 3 as never }), { message: /mdns/ })
  await t.rejects(startDiscovery({ cluster: 'c', mdns: { interface: 'no-such-if0' }, registry: false }), { message: /mdns\.interface/ })
  await t.rejects(startDiscovery({ cluster: 'c', mdns: { interface: 7 as never }, registry: false }), { message: /mdns\.interface/ })
  await t.rejects(startDiscovery({ cluster: 'c', registry: { path: '' }, mdns: false }), { message: /registry\.path/ })
  await t.rejects(startDiscovery({ cluster: 'c', mdns: false, registry: false, probeIntervalMs: 0 }), { message: /probeIntervalMs/ })
})
