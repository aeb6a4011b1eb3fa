// NodePusher against a real loopback data server, with its back-off in virtual time: PUTs in
// order within the window, answers to the owner, and a down node probed only when the
// virtual clock reaches the back-off (doubling to its maximum), never by waiting it out.
import t from 'tap'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NodePusher, type PusherOwner, type SendHandler } from '../../lib/streamer/node-pusher.js'
import { StreamItem } from '../../lib/streamer/stream-item.js'
import { startDataServers } from '../helpers/data-servers.js'
import { VirtualClock } from '../helpers/virtual-clock.js'

class Owner implements PusherOwner {
  readonly answers: Array<[string, number]> = []
  readonly errors: Error[] = []
  ups = 0
  probeFailures = 0
  readonly events = new (class extends EventTarget {})()
  onResponse (_p: NodePusher, h: SendHandler): void { this.answers.push([h.item.path, h.status]); this.#fire('response') }
  onSendError (_p: NodePusher, _h: SendHandler, err: Error): void { this.errors.push(err); this.#fire('error') }
  onNodeUp (): void { this.ups++; this.#fire('up') }
  onProbeFailed (): void { this.probeFailures++; this.#fire('probe-failed') }
  next (name: string): Promise<unknown> { return once(this.events, name) }
  #fire (name: string): void { this.events.dispatchEvent(new Event(name)) }
}

let seq = 0
function file (path: string, body: string): StreamItem {
  const item = new StreamItem(seq++, path, `/${path}`, -1, false, false)
  item.body = Buffer.from(body)
  item.node = 0
  return item
}

function pusher (url: string, owner: Owner, clock: VirtualClock): NodePusher {
  return new NodePusher({
    url, index: 0, pipelining: 2, connections: 1, windowBytes: 1 << 20, probeTimeoutMs: 5000,
    backoffMinMs: 100, backoffMaxMs: 400, now: () => clock.now(), clock
  }, owner)
}

/** A loopback port that refuses connections (a server that was closed). */
async function refusedUrl (): Promise<string> {
  const s = createServer().listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address() as { port: number }
  s.close()
  await once(s, 'close')
  return `http://127.0.0.1:${port}/`
}

t.test('PUTs go out in order within the window and come back to the owner', async (t) => {
  const [server] = await startDataServers(t, 1)
  const owner = new Owner()
  const clock = new VirtualClock()
  const p = pusher(server!.url, owner, clock)
  t.teardown(() => p.close())
  const items = [0, 1, 2, 3, 4].map((i) => file(`np/f${i}`, `body ${i}`))
  for (const it of items) p.enqueue(it)
  t.equal(p.inFlight, 2, 'the window (pipelining 2) bounds what is written')
  t.equal(p.queued, 3)
  t.equal(p.lastProgress, clock.now(), 'the first write into an empty window starts the ack clock')
  while (owner.answers.length < 5) await owner.next('response')
  t.same(owner.answers, items.map((it) => [it.path, 200]))
  t.ok(p.idle)
  t.equal(await readFile(join(server!.root, 'np/f3'), 'utf8'), 'body 3')
  t.equal(await p.remoteSize('/np/f3'), 6)
  t.equal(await p.remoteSize('/np/none'), -1)
  t.equal(p.stalled(clock.now() + 10_000, 100), false, 'nothing in flight: never stalled')
})

t.test('a down node is probed on the virtual back-off: 100, 200, 400, 400 ms', async (t) => {
  const owner = new Owner()
  const clock = new VirtualClock()
  const p = pusher(await refusedUrl(), owner, clock)
  t.teardown(() => p.close())
  t.same(p.markDown(new Error('test')), [])
  t.equal(p.state, 'down')
  let probes = 0
  for (const wait of [100, 200, 400, 400]) {
    clock.advance(wait - 1)
    t.equal(clock.pending, 1, `the probe still waits at ${wait - 1} ms`)
    const failed = owner.next('probe-failed')
    clock.advance(1)
    t.equal(clock.pending, 0, `probed at ${wait} ms`)
    await failed
    t.equal(owner.probeFailures, ++probes, 'the failed probe is reported, and the next one scheduled')
  }
  t.equal(owner.ups, 0)
})

t.test('a probe that answers brings the node up; a full node comes back after the back-off', async (t) => {
  const [server] = await startDataServers(t, 1)
  const owner = new Owner()
  const clock = new VirtualClock()
  const p = pusher(server!.url, owner, clock)
  t.teardown(() => p.close())
  const queued = file('np/q', 'q')
  p.markDown(new Error('test'))
  p.enqueue(queued)
  t.equal(p.inFlight, 0, 'nothing is written to a down node')
  const up = owner.next('up')
  clock.advance(100)
  await up
  t.equal(p.state, 'up')
  t.equal(p.lastProgress, clock.now())
  p.resetBackoff()
  t.same(p.markFull().map((i) => i.path), ['np/q'], 'a full node hands its queue back')
  t.equal(p.state, 'full')
  clock.advance(99)
  t.equal(p.state, 'full')
  clock.advance(1)
  t.equal(p.state, 'up', 'usable again after the back-off')
  t.equal(owner.ups, 2)
})

t.test('destroy hands back what it held and stops the probes', async (t) => {
  const owner = new Owner()
  const clock = new VirtualClock()
  const p = pusher(await refusedUrl(), owner, clock)
  const f = file('np/held', 'x')
  p.markDown(new Error('test'))
  p.state = 'up'
  p.enqueue(f)
  const held = p.destroy(new Error('gone'))
  t.same(held.map((i) => i.path), ['np/held'])
  t.equal(clock.pending, 0, 'no probe left')
  await p.close()
})
