/**
 * A lost answer (the server stored the file, the client never heard): the re-send gets 405, the
 * server's copy has the size we sent, so the file counts as stored (`verified`). A 405 for a
 * file this streamer never sent there is someone else's file: AlreadyExistsError.
 */
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startDataServers } from '../helpers/data-servers.js'
import { Streamer } from '../../lib/streamer/streamer.js'
import { startLossyProxy, startRawServer } from './raw-http.js'
import { encodePzf } from '../../lib/pzf/encode-pzf.js'

t.test('answer lost, re-send answered 405, same size: stored (verified)', async (t) => {
  const [server] = await startDataServers(t, 1)
  const proxy = await startLossyProxy(t, server!.port)
  const s = new Streamer({ servers: [proxy.url], backoff: { minMs: 10, maxMs: 50 } })
  const retries: number[] = []
  s.on('retry', (r) => retries.push(r.attempt))
  await s.putAsync('lost/before', Buffer.from('before'))
  proxy.loseNextAnswer()
  const ack = await s.putAsync('lost/file', Buffer.from('the payload'))
  t.equal(proxy.lost, 1, 'one answer was lost')
  t.equal(ack.verified, true, 'counted as stored after the size check')
  t.equal(ack.attempts, 2)
  t.same(retries, [1])
  t.equal(await readFile(join(server!.root, 'lost', 'file'), 'utf8'), 'the payload')
  const report = await s.close()
  t.equal(report.files, 2)
  t.equal(report.verified, 1)
  t.equal(report.retries, 1)
})

t.test('405 for a file never sent by this streamer: AlreadyExistsError, the rest goes on', async (t) => {
  const [server] = await startDataServers(t, 1)
  const first = new Streamer({ servers: [server!.url] })
  await first.putAsync('exists/a', Buffer.from('first writer'))
  await first.close()
  const s = new Streamer({ servers: [server!.url] })
  const p = s.putAsync('exists/a', Buffer.from('first writer'))
  s.put('exists/b', Buffer.from('b'))
  await t.rejects(p, { code: 'PYME_ERR_EXISTS', name: 'AlreadyExistsError' })
  const err = await s.close().then(() => null, (e: unknown) => e) as { code: string, failed: string[], report: { files: number } }
  t.equal(err.code, 'PYME_ERR_STORE_FAILED')
  t.same(err.failed, ['exists/a'])
  t.equal(err.report.files, 1)
  t.equal(await readFile(join(server!.root, 'exists', 'a'), 'utf8'), 'first writer', 'the other copy is untouched')
})

t.test('answer lost and the server then holds a different size: AlreadyExistsError', async (t) => {
  const [server] = await startDataServers(t, 1)
  const proxy = await startLossyProxy(t, server!.port)
  const s = new Streamer({ servers: [proxy.url], backoff: { minMs: 50, maxMs: 100 } })
  await s.putAsync('race/warmup', Buffer.from('w'))
  const file = join(server!.root, 'race', 'x')
  // Between the lost answer and the re-send, another writer's copy takes the name.
  s.once('node-down', () => {
    rmSync(file, { force: true })
    writeFileSync(file, 'theirs')
  })
  proxy.loseNextAnswer()
  await t.rejects(s.putAsync('race/x', Buffer.from('mine: a longer payload')), {
    code: 'PYME_ERR_EXISTS', message: /with 6 bytes, not the 22 sent/
  })
  await t.rejects(s.close(), { code: 'PYME_ERR_STORE_FAILED', failed: ['race/x'] })
  t.equal(await readFile(file, 'utf8'), 'theirs')
})

t.test('405 to a re-send, then the file is gone (HEAD 404): sent once more', async (t) => {
  let puts = 0
  const server = await startRawServer(t, (req) => {
    if (req.method === 'GET') return server.respond(req, 200, '{}')
    if (req.method === 'HEAD') return server.respond(req, 404)
    puts++
    if (puts === 1) req.socket.destroy() // stored, answer lost
    else server.respond(req, puts === 2 ? 405 : 200)
  })
  const s = new Streamer({ servers: [server.url], backoff: { minMs: 10, maxMs: 20 } })
  const ack = await s.putAsync('gone/x', Buffer.from('x'))
  t.equal(ack.attempts, 3)
  t.equal(ack.verified, false, 'stored by the third send, not by verification')
  t.same(server.requests.map((r) => r.method), ['PUT', 'GET', 'PUT', 'HEAD', 'PUT'])
  await s.close()
})

t.test('cluster_h5: a lost answer to an __aggregate_h5 append is verified in the series view', async (t) => {
  const [server] = await startDataServers(t, 1)
  const proxy = await startLossyProxy(t, server!.port)
  const s = new Streamer({ servers: [proxy.url], backoff: { minMs: 10, maxMs: 50 } })
  await s.putAsync('__aggregate_h5/lost.h5/metadata.json', Buffer.from('{"imageID": 7}'))
  proxy.loseNextAnswer()
  const frame = Buffer.from(encodePzf(new Uint16Array(64).fill(300), { shape: [8, 8], frameNum: 0 }))
  const ack = await s.putAsync('__aggregate_h5/lost.h5/frame00000.pzf', frame)
  t.equal(proxy.lost, 1, 'one answer was lost')
  t.equal(ack.verified, true, 'the re-send got 405 and lost.h5/frame00000.pzf has the size sent')
  t.equal(ack.attempts, 2)
  await s.close()
  const back = await fetch(`${server!.url}lost.h5/frame00000.pzf`)
  t.ok(Buffer.from(await back.arrayBuffer()).equals(frame), 'one row, the frame sent')
})
