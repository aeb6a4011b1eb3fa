// Millisecond options above 2^31-1, which Node's timers would fire at once, are refused
// wherever they are given: the library's options, not only the CLI.
import t from 'tap'
import { Cluster } from '../../lib/cluster/cluster.js'
import { NodeDirectory } from '../../lib/discovery/node-directory.js'
import { MAX_TIMER_MS } from '../../lib/internal/timer-limit.js'
import { Streamer } from '../../lib/streamer/streamer.js'

const TOO_LONG = MAX_TIMER_MS + 1

t.test('Streamer, Cluster and NodeDirectory refuse a timer Node cannot hold', async (t) => {
  t.throws(() => new Streamer({ servers: ['http://127.0.0.1:9/'], ackTimeoutMs: TOO_LONG }),
    { code: 'PYME_ERR_INVALID_ARGUMENT', message: /invalid ackTimeoutMs/ })
  t.throws(() => new Streamer({ servers: ['http://127.0.0.1:9/'], backoff: { minMs: 10, maxMs: TOO_LONG } }),
    { code: 'PYME_ERR_INVALID_ARGUMENT', message: /invalid backoff\.maxMs/ })
  await t.rejects(Cluster.connect({ servers: ['http://127.0.0.1:9/'], registry: false, env: {}, listTimeoutMs: TOO_LONG }),
    { code: 'PYME_ERR_INVALID_ARGUMENT', message: `invalid listTimeoutMs: expected a duration in ms from 1 to ${MAX_TIMER_MS}` })
  t.throws(() => new NodeDirectory({ sources: [], cluster: 'c', probeTimeoutMs: TOO_LONG }),
    { code: 'PYME_ERR_INVALID_ARGUMENT', message: 'invalid probeTimeoutMs: expected a duration in ms from 1 to 2147483647' })
  const s = new Streamer({ servers: ['http://127.0.0.1:9/'], ackTimeoutMs: MAX_TIMER_MS })
  t.ok(s, 'the limit itself is allowed')
  await s.destroy()
})
