// PROTOCOL.md §3.1 MUST, §6.3: a socket driven exactly like PYME's Streamer (no Host,
// keep-alive, Content-Length, 200 pipelined PUTs in one write), an idle pause longer than
// Node's default 5 s keep-alive timeout, more PUTs, all answered in order and parsed as
// strictly as PYME parses them.
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { WireClient, streamerPut } from './pyme-wire-client.js'

function frame (i: number): Buffer {
  const b = Buffer.alloc(300 + (i % 7) * 1000)
  b.writeUInt32LE(i, 0)
  b.fill(i % 251, 4)
  return b
}

t.test('200 pipelined Streamer PUTs, a 6 s idle pause, more PUTs: all in order, all stored', async (t) => {
  const s = await startDataServerForTest(t)
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  const batch = []
  for (let i = 0; i < 200; i++) batch.push(streamerPut(`stream/s1/frame${String(i).padStart(5, '0')}.pzf`, frame(i)))
  // A duplicate in the middle of the pipeline gets its 405 in its place.
  batch.splice(100, 0, streamerPut('stream/s1/frame00007.pzf', frame(7)))
  await c.write(Buffer.concat(batch))
  const statuses: number[] = []
  for (let i = 0; i < 201; i++) {
    const r = await c.response()
    statuses.push(r.status)
    if (r.headers['content-length'] === undefined) t.fail(`response ${i} lacks Content-Length`)
    for (const line of r.rawHeaderLines) {
      if (line.split(': ').length !== 2) t.fail(`header line ${JSON.stringify(line)}`)
    }
  }
  t.same(statuses.filter((x) => x !== 200), [405])
  t.equal(statuses[100], 405, 'the duplicate is answered in its position')

  await sleep(6000)
  t.notOk(c.ended, 'the idle connection is still open after 6 s')
  const more = []
  for (let i = 200; i < 220; i++) more.push(streamerPut(`stream/s1/frame${String(i).padStart(5, '0')}.pzf`, frame(i)))
  more.push(streamerPut('stream/s1/events.json', '[]', 'close'))
  await c.write(Buffer.concat(more))
  for (let i = 0; i < 21; i++) t.equal((await c.response()).status, 200)
  await c.closed()
  t.ok(c.ended, 'Connection: close is honoured')

  const names = (await readdir(join(s.root, 'stream/s1'))).sort()
  t.equal(names.length, 221)
  for (const i of [0, 7, 150, 219]) {
    t.same(await readFile(join(s.root, `stream/s1/frame${String(i).padStart(5, '0')}.pzf`)), frame(i), `frame ${i} intact`)
  }
  const listing = await (await fetch(`${s.url}stream/`)).json()
  t.same(listing, { 's1/': [5, 221] }, 'directory + complete (events.json), no metadata.json')
})

t.test('HTTP/1.0 closes after one answer unless keep-alive; Expect: 100-continue honoured', async (t) => {
  const s = await startDataServerForTest(t)
  await fetch(`${s.url}v/f`, { method: 'PUT', body: 'abc' })
  const a = await WireClient.connect(s.port)
  t.teardown(() => a.destroy())
  await a.write('GET /v/f HTTP/1.0\r\n\r\nGET /v/f HTTP/1.0\r\n\r\n')
  t.equal((await a.response()).body.toString(), 'abc')
  await a.closed()
  const b = await WireClient.connect(s.port)
  t.teardown(() => b.destroy())
  await b.write('GET /v/f HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /v/f HTTP/1.0\r\n\r\n')
  t.equal((await b.response()).status, 200)
  t.equal((await b.response()).status, 200)
  await b.closed()

  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  await c.write('PUT /v/cont HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n')
  // The parser skips the interim 100; read the raw bytes to see it.
  const interim = await new Promise<string>((resolve) => c.socket.once('data', (d: Buffer) => resolve(d.toString('latin1'))))
  t.match(interim, /^HTTP\/1\.1 100 Continue\r\n/)
  await c.write('hello')
  t.equal((await c.response()).status, 200)
  t.equal(await readFile(join(s.root, 'v/cont'), 'utf8'), 'hello')
})

t.test('pipelined PUTs that depend on each other keep their order (file, then child of the file; dir, then file)', async (t) => {
  const s = await startDataServerForTest(t)
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  await c.write(Buffer.concat([
    streamerPut('order/x', Buffer.alloc(200_000, 1)),
    streamerPut('order/x/child.txt', 'c'),
    streamerPut('order/d/', ''),
    streamerPut('order/d/', ''),
    streamerPut('order/d/f.txt', 'f'),
    streamerPut('order/same.bin', Buffer.alloc(300_000, 2)),
    streamerPut('order/same.bin', 'small second'),
    Buffer.from('GET /order/same.bin HTTP/1.1\r\n\r\n')
  ]))
  const codes = []
  for (let i = 0; i < 7; i++) codes.push((await c.response()).status)
  t.same(codes, [200, 409, 200, 405, 200, 200, 405])
  t.equal((await c.response()).body.length, 300_000, 'the first PUT of a name wins, as sent')
})
