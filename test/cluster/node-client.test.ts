/**
 * NodeClient against servers that misbehave in ways our data server never does (PYME's
 * server can: chunked or short bodies, stray statuses, HTML instead of JSON). A bare
 * node:http listener plays each such server; it is labelled per case. Behaviour against the
 * real data server is covered by the cluster-*.test.ts files.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import t, { type Test } from 'tap'
import { isConnectFailure, NodeClient } from '../../lib/cluster/node-client.js'
import { startDataServers } from '../helpers/data-servers.js'

async function misbehaving (t: Test, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<NodeClient> {
  const server = createServer(handler)
  const sockets = new Set<Socket>()
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const client = new NodeClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { connections: 2, connectTimeoutMs: 1000 })
  t.teardown(async () => {
    await client.destroy()
    for (const s of sockets) s.destroy()
    server.close()
  })
  return client
}

const opts = { timeoutMs: 2000 }

t.test('a chunked body (no Content-Length) is read whole', async (t) => {
  // Stand-in: a server answering without Content-Length.
  const c = await misbehaving(t, (_req, res) => { res.write('abc'); res.end('def') })
  t.equal((await c.read('f', opts)).toString(), 'abcdef')
})

t.test('a body shorter than its Content-Length is an error, never a short file', async (t) => {
  // Stand-in: a server that promises 10 bytes, sends 3 and closes (PYME's truncated-file case).
  const c = await misbehaving(t, (req, res) => {
    res.writeHead(200, { 'content-length': '10' })
    res.write('abc')
    setImmediate(() => req.socket.destroy())
  })
  await t.rejects(c.read('f', opts), { code: 'PYME_ERR_NODE_UNREACHABLE' })
})

t.test('statuses other than 200/404/405', async (t) => {
  // Stand-in: a server answering 500 to everything.
  const c = await misbehaving(t, (_req, res) => { res.writeHead(500, { 'content-length': '4' }); res.end('oops') })
  await t.rejects(c.read('f', opts), { code: 'PYME_ERR_HTTP_STATUS', status: 500 })
  await t.rejects(c.list('d', { ...opts, maxBytes: 100 }), { code: 'PYME_ERR_HTTP_STATUS', status: 500 })
  await t.rejects(c.write('f', Buffer.from('x'), 1, opts), { code: 'PYME_ERR_HTTP_STATUS', status: 500, message: /PUT .* answered 500/ })
})

t.test('bodies that are not what was asked for', async (t) => {
  // Stand-in: a server answering HTML (PYME serves index.html in place of a listing), or JSON of the wrong shape.
  let body = '<html></html>'
  const c = await misbehaving(t, (_req, res) => { res.writeHead(200, { 'content-length': Buffer.byteLength(body) }); res.end(body) })
  await t.rejects(c.list('d', { ...opts, maxBytes: 1000 }), { code: 'PYME_ERR_HTTP_STATUS', message: /listing is not JSON/ })
  await t.rejects(c.status(opts), { code: 'PYME_ERR_HTTP_STATUS', message: /status is not a JSON object/ })
  await t.rejects(c.glob('*', opts), { code: 'PYME_ERR_HTTP_STATUS', message: /glob result is not a JSON array/ })
  body = '[1, 2]'
  await t.rejects(c.glob('*', opts), { code: 'PYME_ERR_HTTP_STATUS' })
  await t.rejects(c.status(opts), { code: 'PYME_ERR_HTTP_STATUS' })
  body = JSON.stringify({ big: 'x'.repeat(500) })
  await t.rejects(c.list('d', { ...opts, maxBytes: 100 }), { code: 'PYME_ERR_HTTP_STATUS', message: /larger than 100 bytes/ })
})

t.test('a body that stalls: timeout between chunks', async (t) => {
  // Stand-in: a server that sends the head and part of the body, then nothing.
  const c = await misbehaving(t, (_req, res) => { res.writeHead(200, { 'content-length': '10' }); res.write('abc') })
  await t.rejects(c.read('f', { timeoutMs: 100 }), { code: 'PYME_ERR_TIMEOUT' })
  await t.rejects(c.list('d', { timeoutMs: 100, maxBytes: 1000 }), { code: 'PYME_ERR_TIMEOUT' })
})

t.test('abort, close and connect failures', async (t) => {
  const [real] = await startDataServers(t, 1)
  const c = new NodeClient(real!.url, { connections: 1, connectTimeoutMs: 1000 })
  const ac = new AbortController()
  ac.abort(new Error('user abort'))
  await t.rejects(c.read('x', { timeoutMs: 1000, signal: ac.signal }), { code: 'PYME_ERR_DESTROYED' })
  await c.close()
  await c.close()
  await t.rejects(c.read('x', opts), { code: 'PYME_ERR_CLOSED' })
  await c.destroy()
  const port = real!.port
  await real!.close()
  const dead = new NodeClient(`http://127.0.0.1:${port}/`, { connections: 1, connectTimeoutMs: 1000 })
  t.teardown(() => dead.destroy())
  const err = await dead.read('x', opts).catch((e: unknown) => e)
  t.match(err, { code: 'PYME_ERR_NODE_UNREACHABLE', message: /ECONNREFUSED/ })
  t.ok(isConnectFailure(err))
  t.notOk(isConnectFailure(new Error('plain')))
  t.notOk(isConnectFailure(undefined))
})
