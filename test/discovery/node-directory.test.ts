import { once } from 'node:events'
import t from 'tap'
import { NodeDirectory, type CandidateSink, type DataServerInfo, type DiscoverySource, type DiscoverySourceKind, type ServerCandidate } from '../../lib/discovery/node-directory.js'
import { StaticSource } from '../../lib/discovery/static-source.js'
import { tcpProbe } from '../../lib/discovery/tcp-probe.js'
import { silentAddress } from './silent-address.js'
import { tcpListener } from './tcp-listener.js'

/** A discovery source driven by the test: stands for mDNS or the registry announcing names. */
class ManualSource implements DiscoverySource {
  sink: CandidateSink | null = null
  refreshes = 0
  closed = false
  readonly kind: DiscoverySourceKind
  readonly initial: ServerCandidate[]
  constructor (kind: DiscoverySourceKind, initial: ServerCandidate[] = []) {
    this.kind = kind
    this.initial = initial
  }

  start (sink: CandidateSink): void {
    this.sink = sink
    for (const c of this.initial) sink.upsert(c)
  }

  refresh (): void { this.refreshes++ }
  describe (): string { return `manual ${this.kind}` }
  async close (): Promise<void> { this.closed = true }
}

const cand = (name: string, port: number, source: DiscoverySourceKind, addresses = ['127.0.0.1']): ServerCandidate =>
  ({ name, addresses, port, source })

t.test('static servers: probed, ordered, leave when they stop answering and come back', async (t) => {
  const a = await tcpListener(t)
  const b = await tcpListener(t)
  const dir = new NodeDirectory({
    sources: [new StaticSource([{ address: '127.0.0.1', port: b.port }, { address: '127.0.0.1', port: a.port }])],
    cluster: 'c1',
    probeIntervalMs: 60_000
  }).start()
  t.teardown(() => dir.close())
  const servers = await dir.waitForServers({ timeoutMs: 5000 })
  t.equal(servers.length, 2, 'both static servers answered before waitForServers resolved')
  t.same(servers.map((s) => s.port), [a.port, b.port].sort().map(Number).sort((x, y) => String(`127.0.0.1:${x}`).localeCompare(`127.0.0.1:${y}`)))
  t.match(servers[0], { source: 'static', local: true, address: '127.0.0.1', url: `http://127.0.0.1:${servers[0]?.port}/` })
  t.equal(servers[0]?.name, `127.0.0.1:${servers[0]?.port}`)

  const removed = once(dir, 'remove') as Promise<[DataServerInfo]>
  await a.close()
  await dir.reprobe(`http://127.0.0.1:${a.port}/`)
  const [gone] = await removed
  t.equal(gone.port, a.port, "'remove' for the node that stopped answering")
  t.same(dir.servers().map((s) => s.port), [b.port])

  const added = once(dir, 'add') as Promise<[DataServerInfo]>
  await a.reopen()
  await dir.reprobe()
  t.equal((await added)[0].port, a.port, "'add' when it answers again")
  t.equal(dir.servers().length, 2)
})

t.test('periodic re-probe drops a dead node without being asked', async (t) => {
  const a = await tcpListener(t)
  const dir = new NodeDirectory({ sources: [new StaticSource([{ address: '127.0.0.1', port: a.port }])], cluster: 'c', probeIntervalMs: 30 }).start()
  t.teardown(() => dir.close())
  await dir.waitForServers()
  const removed = once(dir, 'remove')
  await a.close()
  await removed
  t.same(dir.servers(), [])
})

t.test('hybrid rule: static over mDNS over registry for one name; url duplicates collapse; local first', async (t) => {
  const l1 = await tcpListener(t)
  const l2 = await tcpListener(t)
  const l3 = await tcpListener(t)
  const reg = new ManualSource('registry', [cand('PYMEDataServer [c]:z - PID:1', l1.port, 'registry'), cand('PYMEDataServer [c]:y - PID:2', l2.port, 'registry')])
  const mdns = new ManualSource('mdns')
  const dir = new NodeDirectory({ sources: [reg, mdns], cluster: 'c', probeIntervalMs: 60_000, computerName: 'y' }).start()
  t.teardown(() => dir.close())
  const first = await dir.waitForServers()
  t.same(first.map((s) => s.name), ['PYMEDataServer [c]:y - PID:2', 'PYMEDataServer [c]:z - PID:1'], 'by name')
  // mDNS announces the same name with another port: mDNS wins.
  const added = once(dir, 'add')
  mdns.sink?.upsert(cand('PYMEDataServer [c]:z - PID:1', l3.port, 'mdns'))
  await added
  const z = dir.servers().find((s) => s.name.includes(':z'))
  t.match(z, { source: 'mdns', port: l3.port })
  // Same address and port under two names: one entry.
  mdns.sink?.upsert(cand('PYMEDataServer [c]:w - PID:9', l2.port, 'mdns'))
  await dir.reprobe()
  t.equal(dir.servers().filter((s) => s.port === l2.port).length, 1, 'a url appears once')
  // Withdrawal by the source removes at once, without a probe.
  const removed = once(dir, 'remove') as Promise<[DataServerInfo]>
  mdns.sink?.remove('PYMEDataServer [c]:z - PID:1', 'mdns')
  const [r] = await removed
  t.equal(r.source, 'mdns')
  t.match(dir.servers().find((s) => s.name.includes(':z')), { source: 'registry', port: l1.port }, 'the registry entry shows again')
  mdns.sink?.remove('never-announced', 'mdns')
  t.ok(reg.refreshes >= 1, 'reprobe() refreshes the sources')
})

t.test('a re-announced candidate with a new address is re-probed', async (t) => {
  const l1 = await tcpListener(t)
  const l2 = await tcpListener(t)
  const src = new ManualSource('mdns', [cand('n1', l1.port, 'mdns')])
  const dir = new NodeDirectory({ sources: [src], cluster: 'c', probeIntervalMs: 60_000, settleMs: 0 }).start()
  t.teardown(() => dir.close())
  await dir.waitForServers()
  src.sink?.upsert(cand('n1', l1.port, 'mdns'))
  t.equal(dir.servers()[0]?.port, l1.port, 'same announcement: nothing changes')
  const added = once(dir, 'add') as Promise<[DataServerInfo]>
  src.sink?.upsert(cand('n1', l2.port, 'mdns'))
  t.equal((await added)[0].port, l2.port)
  t.equal(dir.servers().length, 1)
})

t.test('addresses are tried in order; the first that answers is used', async (t) => {
  const l = await tcpListener(t)
  const closed = await tcpListener(t)
  await closed.close()
  const probes: string[] = []
  const dir = new NodeDirectory({
    sources: [new ManualSource('registry', [cand('n', l.port, 'registry', ['127.0.0.2', '127.0.0.1'])])],
    cluster: 'c',
    probe: (address, port, timeoutMs, signal) => { probes.push(address); return tcpProbe(address, port, timeoutMs, signal) }
  }).start()
  t.teardown(() => dir.close())
  const [s] = await dir.waitForServers()
  t.same(probes, ['127.0.0.2', '127.0.0.1'])
  t.equal(s?.address, '127.0.0.1')
})

t.test('mDNS only: waits for the first answer plus the settle time, then resolves', async (t) => {
  const l1 = await tcpListener(t)
  const l2 = await tcpListener(t)
  const src = new ManualSource('mdns')
  const dir = new NodeDirectory({ sources: [src], cluster: 'c', settleMs: 1000 }).start()
  t.teardown(() => dir.close())
  const waiting = dir.waitForServers({ timeoutMs: 5000 })
  src.sink?.upsert(cand('first', l1.port, 'mdns'))
  await once(dir, 'add')
  // A second responder within the settle window is included.
  src.sink?.upsert(cand('second', l2.port, 'mdns'))
  const servers = await waiting
  t.same(servers.map((s) => s.name), ['first', 'second'])
})

t.test('no servers: NoServersError says where it looked and why', async (t) => {
  const l = await tcpListener(t)
  await l.close()
  const dir = new NodeDirectory({
    sources: [new StaticSource([{ address: '127.0.0.1', port: l.port }]), new ManualSource('mdns')],
    cluster: 'lab'
  }).start()
  t.teardown(() => dir.close())
  await t.rejects(dir.waitForServers({ timeoutMs: 100 }), {
    code: 'PYME_ERR_NO_SERVERS',
    message: new RegExp(`no data servers of cluster 'lab' answered within 100 ms \\(static servers http://127\\.0\\.0\\.1:${l.port}/; manual mdns; probes failed: 127\\.0\\.0\\.1:${l.port}: ECONNREFUSED\\)`)
  })
  const empty = new NodeDirectory({ sources: [], cluster: '' }).start()
  t.teardown(() => empty.close())
  await t.rejects(empty.waitForServers({ timeoutMs: 10 }), { message: /of the '' cluster .*no discovery source enabled/ })
})

t.test('min: too few servers is an error; enough pending probes resolve at the deadline', async (t) => {
  const l = await tcpListener(t)
  const silent = silentAddress(t)
  const dir = new NodeDirectory({
    sources: [new StaticSource([{ address: '127.0.0.1', port: l.port }])],
    cluster: 'lab'
  }).start()
  t.teardown(() => dir.close())
  await t.rejects(dir.waitForServers({ timeoutMs: 200, min: 2 }), { code: 'PYME_ERR_NO_SERVERS', message: /only 1 of 2 data servers/ })
  if (silent.skip !== '') return t.pass(silent.skip, { skip: silent.skip })
  // One static server answers at once, another never does: resolve at the deadline with one.
  const slow = new NodeDirectory({
    sources: [new StaticSource([{ address: '127.0.0.1', port: l.port }, { address: silent.address, port: 15348 }])],
    cluster: 'lab',
    probeTimeoutMs: 5000
  }).start()
  t.teardown(() => slow.close())
  const got = await slow.waitForServers({ timeoutMs: 200 })
  t.equal(got.length, 1)
})

t.test('lifecycle: close is idempotent, closes sources, rejects waiters', async (t) => {
  const src = new ManualSource('mdns')
  const dir = new NodeDirectory({ sources: [src], cluster: 'c' })
  t.equal(dir.start(), dir)
  t.equal(dir.start(), dir, 'start twice is harmless')
  const pending = dir.waitForServers({ timeoutMs: 10_000 })
  const c1 = dir.close()
  t.equal(dir.close(), c1)
  await c1
  await t.rejects(pending, { code: 'PYME_ERR_CLOSED' })
  t.ok(src.closed)
  await t.rejects(dir.waitForServers(), { code: 'PYME_ERR_CLOSED' })
  t.throws(() => dir.start(), { code: 'PYME_ERR_CLOSED' })
  src.sink?.upsert(cand('late', 1, 'mdns'))
  t.same(dir.servers(), [])
  await dir.reprobe()
})

t.test('options are validated', async (t) => {
  t.throws(() => new NodeDirectory({ sources: [], cluster: 'c', probeIntervalMs: 1 }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /probeIntervalMs/ })
  t.throws(() => new NodeDirectory({ sources: [], cluster: 'c', probeTimeoutMs: 0 }), { message: /probeTimeoutMs/ })
  t.throws(() => new NodeDirectory({ sources: [], cluster: 'c', settleMs: -1 }), { message: /settleMs/ })
  t.throws(() => new NodeDirectory(null as never), { message: 'invalid options: expected an object' })
  const dir = new NodeDirectory({ sources: [], cluster: 'c' })
  await t.rejects(dir.waitForServers({ min: 0 }), { message: /min/ })
  await t.rejects(dir.waitForServers({ timeoutMs: Number.NaN }), { message: /timeoutMs/ })
  await dir.close()
})
