// mDNS advertisement (PROTOCOL.md §4.2), checked with real queries. In-process, multicast
// stays on loopback (bonjour-service pinned to 127.0.0.1); the LAN case runs the server in
// a network namespace of the test rig and observes from another one.
import { createSocket } from 'node:dgram'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { Bonjour } from 'bonjour-service'
import { serviceRecords } from '../../lib/server/mdns-advertiser.js'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { createRig, netnsUnavailableReason, sweepStaleRigs } from '../helpers/netns-rig.js'
import { startServerProcess } from '../helpers/server-process.js'
import { observeService, watchGoodbye } from './mdns-probe.js'

interface Rr { type: string, name: string, data: unknown }
const dnsPacket = createRequire(import.meta.url)('dns-packet') as {
  encode: (p: object) => Buffer
  decode: (b: Buffer) => { answers?: Rr[] }
}

// Can this machine loop multicast back on 127.0.0.1? (Decides whether the live tests run.)
async function loopbackMulticastReason (): Promise<string | undefined> {
  const rx = createSocket({ type: 'udp4', reuseAddr: true })
  const tx = createSocket({ type: 'udp4', reuseAddr: true })
  try {
    await new Promise<void>((resolve, reject) => { rx.once('error', reject); rx.bind(0, '0.0.0.0', () => resolve()) })
    rx.addMembership('239.255.77.77', '127.0.0.1')
    const port = rx.address().port
    await new Promise<void>((resolve) => tx.bind(0, '127.0.0.1', () => resolve()))
    tx.setMulticastInterface('127.0.0.1')
    tx.setMulticastLoopback(true)
    const got = new Promise<boolean>((resolve) => {
      rx.once('message', () => resolve(true))
      setTimeout(() => resolve(false), 1000).unref()
    })
    tx.send('ping', port, '239.255.77.77')
    return await got ? undefined : 'multicast on loopback does not loop back here (no 224.0.0.0/4 route on lo?)'
  } catch (err) {
    return `multicast on loopback is unavailable: ${(err as Error).message}`
  } finally {
    rx.close()
    tx.close()
  }
}

t.test('the record set: PTR, SRV with the instance as target, one empty TXT string, one A', async (t) => {
  // Always runs: proves the packet content without the network.
  const name = 'PYMEDataServer [lab]:acq - PID:42'
  const packet = dnsPacket.encode({ type: 'response', answers: serviceRecords(name, 15348, '198.18.0.7') as never })
  const decoded = dnsPacket.decode(packet)
  const by = (type: string): Rr | undefined => decoded.answers?.find((a) => a.type === type && a.name !== '_services._dns-sd._udp.local')
  t.equal((by('PTR') as { data: string }).data, `${name}._pyme-http._tcp.local`)
  t.same((by('SRV') as { data: object }).data, { priority: 0, weight: 0, port: 15348, target: `${name}._pyme-http._tcp.local` })
  t.same((by('TXT') as { data: Buffer[] }).data, [Buffer.alloc(0)], 'TXT: a single empty string')
  t.equal((by('A') as { name: string }).name, `${name}._pyme-http._tcp.local`)
  t.equal((by('A') as { data: string }).data, '198.18.0.7')
  t.notOk(decoded.answers?.some((a) => a.type === 'AAAA'), 'no AAAA')
})

t.test('advertised on loopback: a real query sees PTR/SRV/TXT/A; bonjour-service browsers find it; goodbye on close', async (t) => {
  const reason = await loopbackMulticastReason()
  if (reason !== undefined) {
    t.comment(`skipped: ${reason}`)
    t.pass(`skipped: ${reason}`)
    return
  }
  const cluster = `mdnstest${process.pid}`
  const s = await startDataServerForTest(t, { advertise: 'mdns', interface: '127.0.0.1', cluster })
  t.equal(s.advertisedAddress, '127.0.0.1')
  const prefix = `PYMEDataServer [${cluster}]`
  const seen = await observeService('127.0.0.1', prefix, 10_000)
  if ('timeout' in seen) throw new Error(`no complete answer within 10 s; saw ${seen.seen.join(', ')}`)
  t.equal(seen.instance, s.instanceName)
  t.equal(seen.srv.port, s.port)
  t.equal(seen.srv.target, `${s.instanceName}._pyme-http._tcp.local`)
  t.same(seen.a, ['127.0.0.1'])
  t.same(seen.txt, [Buffer.alloc(0)])

  const browser = new Bonjour({ interface: '127.0.0.1', bind: '0.0.0.0' } as never)
  t.teardown(() => browser.destroy())
  const found = await new Promise<{ name: string, port: number, addresses?: string[] }>((resolve) => {
    browser.find({ type: 'pyme-http' }, (svc) => { if (svc.name === s.instanceName) resolve(svc) })
  })
  t.equal(found.port, s.port)
  t.same(found.addresses, ['127.0.0.1'])

  // Goodbye: the PTR comes again with TTL 0 when the server closes.
  const goodbye = watchGoodbye('127.0.0.1', `${s.instanceName}._pyme-http._tcp.local`, 10_000)
  await goodbye.ready
  await s.close()
  t.ok(await goodbye.result, 'goodbye (TTL 0) sent on close')
})

const rigReason = netnsUnavailableReason()

t.test('on a LAN (rig namespaces): the interface address is announced and reachable', { skip: rigReason ?? false }, async (t) => {
  sweepStaleRigs()
  const rig = createRig({ hosts: 2, subnet: 77 })
  t.teardown(() => rig.destroy())
  const [server, observer] = rig.hosts
  if (server === undefined || observer === undefined) throw new Error('two hosts expected')
  const proc = await startServerProcess({ netns: server.netns, advertise: 'mdns', interface: server.iface, cluster: 'rig', env: { PYME_COMPUTERNAME: 'acqhost' } })
  t.teardown(() => proc.stop())
  t.equal(proc.advertisedAddress, server.address, 'the interface address, not a loopback one')
  const probe = fileURLToPath(new URL('./mdns-probe.ts', import.meta.url))
  const out = observer.exec(process.execPath, ['--import=@tapjs/typescript/import', probe, observer.address, 'PYMEDataServer [rig]', '10000'])
  const seen = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { instance?: string, srv?: { port: number }, a?: string[], timeout?: boolean, seen?: string[] }
  t.notOk(seen.timeout, `answer arrived (saw ${seen.seen?.join(', ') ?? ''})`)
  t.equal(seen.instance, proc.instanceName)
  t.match(proc.instanceName, /^PYMEDataServer \[rig\]:acqhost - PID:\d+$/)
  t.equal(seen.srv?.port, proc.port)
  t.same(seen.a, [server.address])
  const status = observer.exec('curl', ['-sS', `http://${server.address}:${proc.port}/__status`])
  t.equal((JSON.parse(status) as { IPAddress: string }).IPAddress, server.address, 'reachable at the announced address')
})

t.test('a server that cannot bind port 5353 does not start undiscoverable', { skip: rigReason ?? false }, async (t) => {
  sweepStaleRigs()
  const rig = createRig({ hosts: 1, subnet: 79 })
  t.teardown(() => rig.destroy())
  const [host] = rig.hosts
  if (host === undefined) throw new Error('one host expected')
  const hold = new URL('../helpers/hold-mdns-port.ts', import.meta.url).href
  const started = startServerProcess({ netns: host.netns, advertise: 'mdns', interface: host.iface, cluster: 'held', preload: [hold] })
  // server-main lets the error end the process; its stderr carries the code and the reason.
  await t.rejects(started, /exited \(1\) before it was ready:[\s\S]*cannot advertise over mDNS: bind EADDRINUSE.*another program holds UDP port 5353[\s\S]*code: 'PYME_ERR_SERVER'/)
  const plain = await startServerProcess({ netns: host.netns, advertise: 'mdns', interface: host.iface, cluster: 'held' })
  t.teardown(() => plain.stop())
  t.equal(plain.advertisedAddress, host.address, 'with the port free, the same server advertises')
})
