/**
 * What the Streamer puts on the wire, parsed the way PYME's server parses it (PROTOCOL.md §6.3),
 * and proof that PUTs really are pipelined on one socket.
 */
import t from 'tap'
import { Streamer } from '../../lib/streamer/streamer.js'
import { startRawServer } from './raw-http.js'

t.test('requests parse as PYME requests: request line, headers, Content-Length, body', async (t) => {
  const server = await startRawServer(t, (req) => { server.respond(req, 200) })
  const s = new Streamer({ servers: [server.url] })
  const files: Array<[string, Buffer]> = [
    ['wire/s1/metadata.json', Buffer.from('{"DimOrder": "XYCZT"}')],
    ['wire/s1/frame00000.pzf', Buffer.alloc(320, 0x42)],
    ['wire/s1/frame00001.pzf', Buffer.alloc(320, 0x43)],
    ['wire/s1/events.json', Buffer.from('[]')],
    ['wire/s1/empty.bin', Buffer.alloc(0)],
    ['wire/ünïcode/ok_name-1.txt', Buffer.from('x')]
  ]
  for (const [p, d] of files) s.put(p, d)
  const report = await s.close()
  t.equal(report.files, files.length)
  t.equal(server.requests.length, files.length)
  for (let i = 0; i < files.length; i++) {
    const req = server.requests[i]!
    const [p, d] = files[i]!
    t.equal(req.method, 'PUT')
    t.equal(req.version, 'HTTP/1.1')
    t.equal(decodeURIComponent(req.target), '/' + p, 'path, percent-encoded only where PYME names cannot go raw')
    if (/^[\w/.-]+$/.test(p)) t.equal(req.target, '/' + p, 'PYME-style names go on the wire byte for byte')
    t.equal(req.headers['content-length'], String(d.length))
    t.equal(req.headers.connection, 'keep-alive')
    t.ok(req.body.equals(d), 'body bytes as given')
    for (const line of req.headerLines) t.match(line, /^[A-Za-z-]+: \S/, 'each header line splits at ": " (PYME\'s parser)')
    t.notOk('transfer-encoding' in req.headers, 'no chunked bodies')
    t.notOk('expect' in req.headers, 'no 100-continue')
  }
  t.equal(server.requests.filter((r) => r.socket === server.requests[0]!.socket).length, files.length, 'one connection')
})

t.test('PUTs are pipelined: several requests in flight on one socket', async (t) => {
  const depth = 8
  const held: Parameters<typeof server.respond>[0][] = []
  // Answer nothing until `depth` requests have arrived: a non-pipelining client would hang here.
  const server = await startRawServer(t, (req) => {
    held.push(req)
    if (held.length === depth) for (const r of held.splice(0)) server.respond(r, 200)
  })
  const s = new Streamer({ servers: [server.url], pipelining: depth })
  const acks: string[] = []
  s.on('ack', (a) => acks.push(a.path))
  for (let i = 0; i < depth * 3; i++) s.put(`pipe/f${i}`, Buffer.from(`file ${i}`), { index: i })
  const report = await s.close()
  t.equal(report.files, depth * 3)
  t.same(acks, Array.from({ length: depth * 3 }, (_, i) => `pipe/f${i}`), 'answers settle in order')
  const first = server.requests[0]!.socket
  t.ok(server.requests.every((r) => r.socket === first), 'all on one socket')
  t.equal(Math.max(...server.requests.map((r) => r.unansweredBefore)), depth - 1, `${depth} requests in flight at once`)
})

t.test('connections > 1: an undici Pool, pipelined on each socket', async (t) => {
  const held: Parameters<typeof server.respond>[0][] = []
  // Hold answers until 8 requests arrived: with 2 connections × pipelining 4 both sockets fill up.
  const server = await startRawServer(t, (req) => {
    held.push(req)
    if (held.length === 8) for (const r of held.splice(0)) server.respond(r, 200)
  })
  const s = new Streamer({ servers: [server.url], pipelining: 4, connections: 2 })
  for (let i = 0; i < 16; i++) s.put(`pool/f${i}`, Buffer.from(String(i)))
  t.equal((await s.close()).files, 16)
  t.equal(new Set(server.requests.map((r) => r.socket)).size, 2, 'two connections')
  t.equal(Math.max(...server.requests.map((r) => r.unansweredBefore)), 3, 'four in flight on a socket')
})
