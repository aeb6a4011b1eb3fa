import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import t from 'tap'
import { tcpProbe } from '../../lib/discovery/tcp-probe.js'
import { silentAddress } from './silent-address.js'

t.test('a listening port answers; the probe connects and closes', async (t) => {
  // A bare TCP listener: the probe only connects, which is all this shows.
  const server = createServer((socket) => { socket.on('error', () => {}); socket.resume() })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.close() })
  const { port } = server.address() as AddressInfo
  const closed = new Promise<void>((resolve) => server.once('connection', (s) => { s.on('close', () => resolve()) }))
  t.same(await tcpProbe('127.0.0.1', port, 2000), { ok: true, reason: '' })
  await closed
})

t.test('a closed port is refused', async (t) => {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  server.close()
  await once(server, 'close')
  const r = await tcpProbe('127.0.0.1', port, 2000)
  t.equal(r.ok, false)
  t.equal(r.reason, 'ECONNREFUSED')
})

t.test('an address that never answers times out', async (t) => {
  const silent = silentAddress(t)
  if (silent.skip !== '') return t.pass(silent.skip, { skip: silent.skip })
  const r = await tcpProbe(silent.address, 15348, 150)
  t.same(r, { ok: false, reason: 'no answer within 150 ms' })
})

t.test('an abort ends a probe at once', async (t) => {
  const ac = new AbortController()
  ac.abort()
  t.same(await tcpProbe('127.0.0.1', 1, 1000, ac.signal), { ok: false, reason: 'aborted' })
  const silent = silentAddress(t)
  if (silent.skip !== '') return t.pass(silent.skip, { skip: silent.skip })
  const ac2 = new AbortController()
  const pending = tcpProbe(silent.address, 15348, 10_000, ac2.signal)
  ac2.abort()
  t.same(await pending, { ok: false, reason: 'aborted' })
})
