/**
 * Options are validated once, in the constructor, with InvalidArgumentError naming the option;
 * names and data are validated at put (PYME's Streamer validates nothing).
 */
import t from 'tap'
import { Streamer } from '../../lib/streamer/streamer.js'
import { DEFAULT_MEMORY_BUDGET, normaliseServerUrl } from '../../lib/streamer/streamer-options.js'

const S = ['http://127.0.0.1:9/']

t.test('bad options name the option', async (t) => {
  const bad: Array<[unknown, RegExp]> = [
    [null, /invalid options/],
    [{}, /give exactly one of servers/],
    [{ servers: [] }, /give exactly one of servers/],
    [{ servers: 'http://x/' }, /invalid servers/],
    [{ servers: ['ftp://h:1/'] }, /invalid servers/],
    [{ servers: ['not a url'] }, /invalid servers: 'not a url' has no valid host \(write host:port, host, or http:\/\/host:port\/\)/],
    [{ servers: ['http://h:1/sub/'] }, /must name a server only/],
    [{ servers: [1] }, /invalid servers: expected strings/],
    [{ servers: ['h:1', 'http://h:1/'] }, /listed twice/],
    [{ servers: ['http://h:1/', 'http://h:1'] }, /listed twice/],
    [{ servers: S, cluster: 'x' }, /exactly one/],
    [{ cluster: 5 }, /invalid cluster/],
    [{ discovery: {} }, /invalid discovery/],
    [{ servers: S, pipelining: 0 }, /invalid pipelining/],
    [{ servers: S, pipelining: 1.5 }, /invalid pipelining/],
    [{ servers: S, connections: 100 }, /invalid connections/],
    [{ servers: S, windowBytes: -1 }, /invalid windowBytes/],
    [{ servers: S, distribution: 'fastest' }, /invalid distribution/],
    [{ servers: S, chunkSize: 0 }, /invalid chunkSize/],
    [{ servers: S, filter: 3 }, /invalid filter/],
    [{ servers: S, filter: { pzf: null } }, /invalid filter.pzf/],
    [{ servers: S, filter: { module: 'm.mjs', exportName: 3 } }, /invalid filter.exportName/],
    [{ servers: S, filter: { nothing: true } }, /invalid filter/],
    [{ servers: S, encoderPool: {} }, /invalid encoderPool/],
    [{ servers: S, encoderThreads: -1 }, /invalid encoderThreads/],
    [{ servers: S, memoryBudget: 0 }, /invalid memoryBudget/],
    [{ servers: S, overflow: 'wait' }, /invalid overflow/],
    [{ servers: S, spillDir: '' }, /invalid spillDir/],
    [{ servers: S, spillLimit: 0 }, /invalid spillLimit/],
    [{ servers: S, ackTimeoutMs: 1 }, /invalid ackTimeoutMs/],
    [{ servers: S, maxAttempts: 0 }, /invalid maxAttempts/],
    [{ servers: S, closeTimeoutMs: 0 }, /invalid closeTimeoutMs/],
    [{ servers: S, backoff: 1 }, /invalid backoff/],
    [{ servers: S, backoff: { minMs: 0 } }, /invalid backoff.minMs/],
    [{ servers: S, backoff: { minMs: 100, maxMs: 50 } }, /invalid backoff.maxMs/]
  ]
  for (const [options, message] of bad) {
    t.throws(() => new Streamer(options as never), { code: 'PYME_ERR_INVALID_ARGUMENT', message }, JSON.stringify(options))
  }
})

t.test('good options and defaults', async (t) => {
  t.equal(normaliseServerUrl('http://127.0.0.1:15348'), 'http://127.0.0.1:15348/')
  t.equal(normaliseServerUrl('http://[::1]:80/'), 'http://[::1]:80/')
  t.equal(normaliseServerUrl('127.0.0.1:15348'), 'http://127.0.0.1:15348/', 'host:port, as the CLI takes it')
  t.equal(normaliseServerUrl('nodeA'), 'http://nodea:15348/', "a bare host: PYME's port")
  t.ok(DEFAULT_MEMORY_BUDGET > 0 && DEFAULT_MEMORY_BUDGET <= 1024 ** 3)
  const s = new Streamer({ servers: ['http://127.0.0.1:9'], spillLimit: Infinity, distribution: (n) => n - 1, filter: { module: 'file:///x.mjs' } })
  t.same(s.nodes, ['http://127.0.0.1:9/'])
  const st = s.stats()
  t.equal(st.memoryBudget, DEFAULT_MEMORY_BUDGET)
  t.equal(st.pending, 0)
  t.same(st.nodes.map((n) => n.state), ['up'])
  await s.close()
})

t.test('names, data and hints are validated at put', async (t) => {
  const s = new Streamer({ servers: S })
  t.throws(() => s.put('bad name', Buffer.from('x')), { code: 'PYME_ERR_INVALID_NAME' })
  t.throws(() => s.put('a/../b', Buffer.from('x')), { code: 'PYME_ERR_INVALID_NAME' })
  t.throws(() => s.put('dir/', Buffer.from('x')), { code: 'PYME_ERR_INVALID_NAME', message: /names a directory/ })
  t.throws(() => s.put('', Buffer.from('x')), { code: 'PYME_ERR_INVALID_NAME' })
  t.throws(() => s.put('ok', 'text' as unknown as Uint8Array), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /invalid data/ })
  t.throws(() => s.put('ok', Buffer.from('x'), { index: -1 }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /invalid index/ })
  t.throws(() => s.put('ok', Buffer.from('x'), { index: 1.5 }), { message: /invalid index/ })
  await t.rejects(s.putAsync('bad name', Buffer.from('x')), { code: 'PYME_ERR_INVALID_NAME' })
  await t.rejects(s.putAsync('ok', 5 as unknown as Uint8Array), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  await t.rejects(s.putAfterAll('bad name', Buffer.from('x')), { code: 'PYME_ERR_INVALID_NAME' })
  await t.rejects(s.putAfterAll('ok', null as unknown as Uint8Array), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.equal(s.stats().pending, 0, 'nothing was taken')
  await s.close()
})
