/**
 * mDNS discovery over the loopback interface: a bonjour-service advertiser publishes PYME-style
 * instance names (as PYME's python-zeroconf does) and `startDiscovery` browses, both pinned to
 * 127.0.0.1 so that nothing is multicast on the machine's outside interfaces. Cluster names are
 * unique per run, so other tests advertising on loopback at the same time do not interfere.
 */
import { once } from 'node:events'
import { Bonjour, type Service, type ServiceConfig } from 'bonjour-service'
import t, { type Test } from 'tap'
import { startDiscovery } from '../../lib/discovery/start-discovery.js'
import type { DataServerInfo } from '../../lib/discovery/node-directory.js'
import { tcpListener } from './tcp-listener.js'

const run = `m${process.pid}`

function advertiser (t: Test): Bonjour {
  const b = new Bonjour({ interface: '127.0.0.1', bind: '0.0.0.0' } as unknown as Partial<ServiceConfig>, () => {})
  t.teardown(() => new Promise<void>((resolve) => { b.destroy(() => resolve()) }))
  return b
}

function publish (b: Bonjour, name: string, port: number): Service {
  return b.publish({ name, type: 'pyme-http', protocol: 'tcp', port, probe: false })
}

t.test('browses, probes and withdraws on goodbye', async (t) => {
  const adv = advertiser(t)
  const l1 = await tcpListener(t)
  const l2 = await tcpListener(t)
  const cluster = `${run}a`
  publish(adv, `PYMEDataServer [${cluster}]:pc1 - PID:11`, l1.port)
  publish(adv, `PYMEDataServer [${cluster}x]:pc1 - PID:12`, l2.port)
  const dir = await startDiscovery({ cluster, mdns: { interface: '127.0.0.1' }, registry: false, env: {}, settleMs: 50 })
  t.teardown(() => dir.close())
  const servers = await dir.waitForServers({ timeoutMs: 5000 })
  t.same(servers.map((s) => [s.name, s.port, s.source, s.address]), [[`PYMEDataServer [${cluster}]:pc1 - PID:11`, l1.port, 'mdns', '127.0.0.1']],
    'exact cluster match; the loopback answer address is used when the A record has none that answers')

  const late = await tcpListener(t)
  const added = once(dir, 'add') as Promise<[DataServerInfo]>
  const svc = publish(adv, `PYMEDataServer [${cluster}]:pc2 - PID:13`, late.port)
  t.equal((await added)[0].port, late.port, 'a server announced later joins')
  await dir.reprobe()
  t.equal(dir.servers().length, 2, 'a re-query (reprobe) keeps both')

  const removed = once(dir, 'remove') as Promise<[DataServerInfo]>
  svc.stop?.()
  t.equal((await removed)[0].port, late.port, 'goodbye removes it')
})

t.test('nothing answering: the error names mDNS and the interface', async (t) => {
  const dir = await startDiscovery({ cluster: `${run}none`, mdns: { interface: 'lo' }, registry: false, env: {} })
  t.teardown(() => dir.close())
  await t.rejects(dir.waitForServers({ timeoutMs: 300 }), {
    code: 'PYME_ERR_NO_SERVERS',
    message: /no data servers of cluster 'm\d+none' answered within 300 ms \(mDNS on 127\.0\.0\.1: .*multicast may be blocked or routed elsewhere; try --servers or the local registry\)/
  })
})

t.test('a server advertised but not listening never joins', async (t) => {
  const adv = advertiser(t)
  const l = await tcpListener(t)
  await l.close()
  const cluster = `${run}dead`
  publish(adv, `PYMEDataServer [${cluster}]:pc - PID:1`, l.port)
  const dir = await startDiscovery({ cluster, mdns: { interface: '127.0.0.1' }, registry: false, env: {} })
  t.teardown(() => dir.close())
  // Rejects only at the deadline: a long one costs nothing when the answer comes early.
  await t.rejects(dir.waitForServers({ timeoutMs: 5000 }), { message: /ECONNREFUSED/ })
})
