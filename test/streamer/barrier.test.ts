/**
 * putAfterAll: the completion marker is sent only once every earlier file is settled, even when
 * the earlier files went to a slower node; later files are not held back; a series with holes
 * is not marked complete unless asked.
 */
import t from 'tap'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { startDataServers } from '../helpers/data-servers.js'
import { Streamer } from '../../lib/streamer/streamer.js'

t.test('events.json goes out only after every earlier frame is acknowledged', async (t) => {
  const [fast] = await startDataServers(t, 1)
  // Slow enough that the fast node's later file is surely answered first (11 x 100 ms).
  const [slow] = await startDataServers(t, 1, { testDelayMs: 100 })
  const s = new Streamer({ servers: [fast!.url, slow!.url] })
  const log: string[] = []
  s.on('ack', (a) => log.push(`ack ${a.path}`))
  const onSend = (m: unknown): void => { log.push(`send ${(m as { path: string }).path}`) }
  subscribe('pyme:streamer:send', onSend)
  t.teardown(() => unsubscribe('pyme:streamer:send', onSend))
  s.put('ser/metadata.json', Buffer.from('{}'), { index: 1 })
  for (let i = 0; i < 20; i++) s.put(`ser/frame${String(i).padStart(5, '0')}.pzf`, Buffer.alloc(100, i), { index: i })
  // The marker has no index: it would go to a random node, maybe the fast one, maybe now.
  const marker = s.putAfterAll('ser/events.json', Buffer.from('[]'))
  const later = s.putAsync('other/after.bin', Buffer.from('later'), { index: 0 })
  await later
  t.notOk(log.includes('send ser/events.json'), 'a later file on the fast node was not held back')
  const ack = await marker
  t.equal(ack.path, 'ser/events.json')
  const sendAt = log.indexOf('send ser/events.json')
  const earlierAcks = log.filter((l, i) => l.startsWith('ack ser/') && l !== 'ack ser/events.json' && i < sendAt)
  t.equal(earlierAcks.length, 21, 'all 21 earlier files acknowledged before the marker was sent')
  t.equal((await s.close()).files, 23)
})

t.test('a barrier with nothing before it goes at once', async (t) => {
  const [server] = await startDataServers(t, 1)
  const s = new Streamer({ servers: [server!.url] })
  const ack = await s.putAfterAll('b/alone', Buffer.from('x'))
  t.equal(ack.attempts, 1)
  await s.close()
})

t.test('an earlier failure fails the barrier, unless sendAnyway', async (t) => {
  const [server] = await startDataServers(t, 1)
  const first = new Streamer({ servers: [server!.url] })
  await first.putAsync('hole/f1', Buffer.from('already there'))
  await first.close()
  const s = new Streamer({ servers: [server!.url] })
  s.put('hole/f0', Buffer.from('0'))
  s.put('hole/f1', Buffer.from('1')) // 405: someone else's file
  const strict = s.putAfterAll('hole/events.json', Buffer.from('[]'))
  const lenient = s.putAfterAll('hole/final_metadata.json', Buffer.from('{}'), { sendAnyway: true })
  await t.rejects(strict, { code: 'PYME_ERR_STORE_FAILED', failed: ['hole/f1'], message: /1 earlier file/ })
  t.equal((await lenient).path, 'hole/final_metadata.json')
  const err = await s.close().then(() => null, (e: unknown) => e) as { failed: string[] }
  t.same(err.failed.sort(), ['hole/events.json', 'hole/f1'])
})

t.test('barriers count earlier barriers and spilled files too', async (t) => {
  const [server] = await startDataServers(t, 1, { testDelayMs: 2 })
  const s = new Streamer({ servers: [server!.url], memoryBudget: 8 * 1024, overflow: 'spill' })
  const order: string[] = []
  s.on('ack', (a) => order.push(a.path))
  for (let i = 0; i < 10; i++) s.put(`bs/f${i}`, Buffer.alloc(2048, i))
  const b1 = s.putAfterAll('bs/b1', Buffer.from('1'))
  s.put('bs/g', Buffer.alloc(2048))
  const b2 = s.putAfterAll('bs/b2', Buffer.from('2'))
  await Promise.all([b1, b2])
  t.ok(order.indexOf('bs/b1') > order.indexOf('bs/f9'))
  t.ok(order.indexOf('bs/b2') > order.indexOf('bs/b1'))
  t.ok(order.indexOf('bs/b2') > order.indexOf('bs/g'))
  t.equal((await s.close()).files, 13)
})
