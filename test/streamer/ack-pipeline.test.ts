// AckPipeline on its own: each kind of answer turned into its outcome, the retry bound, and the
// ack timeout in virtual time (a node is blamed only when the clock has passed ackTimeoutMs
// with requests in flight and no answer; a stalled loop excuses it instead).
import t from 'tap'
import { AckPipeline, type AckSink } from '../../lib/streamer/ack-pipeline.js'
import { NodePusher, SendHandler } from '../../lib/streamer/node-pusher.js'
import { ItemState, StreamItem } from '../../lib/streamer/stream-item.js'
import { VirtualClock } from '../helpers/virtual-clock.js'

class Sink implements AckSink {
  readonly log: string[] = []
  stored (item: StreamItem, _p: NodePusher, verified: boolean): void { this.log.push(`stored ${item.path}${verified ? ' verified' : ''}`) }
  failed (item: StreamItem, err: Error): void { this.log.push(`failed ${item.path} ${(err as Error & { code: string }).code}`) }
  reroute (item: StreamItem): void { this.log.push(`reroute ${item.path}`) }
  retried (item: StreamItem): void { this.log.push(`retried ${item.path}`) }
  nodeDown (p: NodePusher, err: Error): void { this.log.push(`down ${p.url} ${(err as Error & { code: string }).code}`) }
  nodeUp (p: NodePusher): void { this.log.push(`up ${p.url}`) }
}

// Nothing listens on port 9 of loopback; no test here lets a pusher write (state and window
// are set by hand), and the virtual clock is never advanced far enough to probe.
function setup (maxAttempts = 3): { clock: VirtualClock, sink: Sink, pipeline: AckPipeline, p: NodePusher } {
  const clock = new VirtualClock()
  const sink = new Sink()
  const pipeline = new AckPipeline(sink, maxAttempts, 2000)
  const p = new NodePusher({
    url: 'http://127.0.0.1:9/', index: 0, pipelining: 4, connections: 1, windowBytes: 1 << 20, probeTimeoutMs: 100,
    backoffMinMs: 60_000, backoffMaxMs: 60_000, now: () => clock.now(), clock
  }, pipeline)
  return { clock, sink, pipeline, p }
}

let seq = 0
function answered (p: NodePusher, path: string, status: number, attempts = 1, resent = false): SendHandler {
  const item = new StreamItem(seq++, path, `/${path}`, -1, false, false)
  item.attempts = attempts
  item.state = ItemState.IN_FLIGHT
  const h = new SendHandler(p, item, resent, 1)
  h.status = status
  return h
}

t.test('2xx stores; other 4xx fail that file only; the node stays up', async (t) => {
  const { sink, pipeline, p } = setup()
  pipeline.onResponse(p, answered(p, 'a', 200))
  pipeline.onResponse(p, answered(p, 'b', 201))
  pipeline.onResponse(p, answered(p, 'c', 403))
  pipeline.onResponse(p, answered(p, 'd', 405))
  t.same(sink.log, ['stored a', 'stored b', 'failed c PYME_ERR_HTTP_STATUS', 'failed d PYME_ERR_EXISTS'])
  t.equal(p.state, 'up')
  await p.close()
})

t.test('5xx and send errors mark the node down and re-send, within maxAttempts', async (t) => {
  const { sink, pipeline, p } = setup(2)
  pipeline.onResponse(p, answered(p, 'e', 503, 1))
  t.same(sink.log, ['down http://127.0.0.1:9/ PYME_ERR_HTTP_STATUS', 'retried e', 'reroute e'])
  t.equal(p.state, 'down')
  t.equal(p.retries, 1)
  sink.log.length = 0
  p.state = 'up'
  pipeline.onSendError(p, answered(p, 'f', 0, 2), new Error('socket hang up'))
  t.same(sink.log, ['down http://127.0.0.1:9/ PYME_ERR_NODE_UNREACHABLE', 'failed f PYME_ERR_NODE_UNREACHABLE'], 'the second attempt was the last')
  sink.log.length = 0
  pipeline.onSendError(p, answered(p, 'g', 0, 1), new Error('late'))
  t.same(sink.log, ['down http://127.0.0.1:9/ PYME_ERR_NODE_UNREACHABLE', 'retried g', 'reroute g'], 'a file failing on a node already down is still re-sent')
  await p.close()
})

t.test('507: the node is full, its queue goes elsewhere, the file is re-sent', async (t) => {
  const { sink, pipeline, p } = setup()
  pipeline.onResponse(p, answered(p, 'h', 507))
  t.same(sink.log, ['down http://127.0.0.1:9/ PYME_ERR_HTTP_STATUS', 'retried h', 'reroute h'])
  t.equal(p.state, 'full')
  await p.close()
})

t.test('the ack timeout fires in virtual time, and a stalled loop excuses the node', async (t) => {
  const { clock, sink, pipeline, p } = setup()
  p.inFlight = 1
  p.lastProgress = clock.now()
  clock.advance(2000)
  pipeline.tick(clock.now(), [p])
  t.same(sink.log, [], 'exactly ackTimeoutMs is still in time')
  pipeline.excuse(clock.now(), [p])
  t.equal(p.lastProgress, clock.now(), 'a stall restarts the timeout of a node with requests in flight')
  clock.advance(2001)
  pipeline.tick(clock.now(), [p])
  t.same(sink.log, ['down http://127.0.0.1:9/ PYME_ERR_ACK_TIMEOUT'])
  t.equal(p.state, 'down')
  pipeline.tick(clock.now() + 10_000, [p])
  t.equal(sink.log.length, 1, 'a node already down is not blamed twice')
  t.same(pipeline.takeVerifying(), [])
  pipeline.onNodeUp(p)
  t.same(sink.log.slice(1), ['up http://127.0.0.1:9/'])
  await p.close()
})
