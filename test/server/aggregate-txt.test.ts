// PUT /__aggregate_txt/<path> (PROTOCOL.md §3.9.3), ours: serialised appends, whole bodies
// only, never to a write-once file, real sizes in listings.
import { readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import t from 'tap'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { WireClient, streamerPut } from './pyme-wire-client.js'
import { nextRequest } from './request-events.js'

t.test('appends in order, listing shows the real size, normal PUT to the name gets 405', async (t) => {
  const s = await startDataServerForTest(t)
  for (const line of ['line1\n', 'line2\n', 'line3\n']) {
    t.equal((await fetch(`${s.url}__aggregate_txt/agg/log.txt`, { method: 'PUT', body: line })).status, 200)
  }
  t.equal(await (await fetch(`${s.url}agg/log.txt`)).text(), 'line1\nline2\nline3\n')
  t.same(await (await fetch(`${s.url}agg/`)).json(), { 'log.txt': [0, 18] }, 'real size, marker hidden')
  t.equal((await fetch(`${s.url}agg/log.txt`, { method: 'PUT', body: 'x' })).status, 405)
  t.equal((await fetch(`${s.url}__aggregate_txt/agg/log.txt`, { method: 'PUT', body: gzipSync('zipped\n'), headers: { 'content-encoding': 'gzip' } })).status, 200)
  t.equal(await readFile(join(s.root, 'agg/log.txt'), 'utf8'), 'line1\nline2\nline3\nzipped\n')
  t.same(await (await fetch(`${s.url}agg/`)).json(), { 'log.txt': [0, 25] })
})

t.test('a write-once file is never appended to (409)', async (t) => {
  const s = await startDataServerForTest(t)
  await fetch(`${s.url}wiretest/hello.txt`, { method: 'PUT', body: 'hello PYME\n' })
  t.equal((await fetch(`${s.url}__aggregate_txt/wiretest/hello.txt`, { method: 'PUT', body: ' appended' })).status, 409)
  t.equal(await readFile(join(s.root, 'wiretest/hello.txt'), 'utf8'), 'hello PYME\n')
  t.equal((await stat(join(s.root, 'wiretest/hello.txt'))).mode & 0o777, 0o440)
  t.equal((await fetch(`${s.url}__aggregate_txt/wiretest/`, { method: 'PUT', body: 'x' })).status, 409, 'a directory is not a text file')
  t.equal((await fetch(`${s.url}__aggregate_txt/`, { method: 'PUT', body: 'x' })).status, 400)
})

t.test('concurrent appends from many connections are serialised: every record whole', async (t) => {
  const s = await startDataServerForTest(t)
  const clients = await Promise.all(Array.from({ length: 6 }, () => WireClient.connect(s.port)))
  t.teardown(() => { for (const c of clients) c.destroy() })
  const record = (c: number, i: number): string => `client ${c} record ${i} ${'#'.repeat(3000 + c * 100 + i)}\n`
  await Promise.all(clients.map((c, ci) => c.write(Buffer.concat(Array.from({ length: 25 }, (_, i) => streamerPut('__aggregate_txt/agg/many.txt', record(ci, i)))))))
  for (const c of clients) for (let i = 0; i < 25; i++) t.equal((await c.response()).status, 200)
  const lines = (await readFile(join(s.root, 'agg/many.txt'), 'utf8')).split('\n').filter((l) => l !== '')
  t.equal(lines.length, 150)
  const expected = new Set(clients.flatMap((_, ci) => Array.from({ length: 25 }, (_, i) => record(ci, i).trimEnd())))
  t.ok(lines.every((l) => expected.has(l)), 'no interleaved or partial records')
  for (let ci = 0; ci < clients.length; ci++) {
    const mine = lines.filter((l) => l.startsWith(`client ${ci} `)).map((l) => Number(l.split(' ')[3]))
    t.same(mine, [...mine].sort((a, b) => a - b), `client ${ci}: its records in its order`)
  }
  t.same((await readdir(join(s.root, 'agg'))).sort(), ['.pyme-agg.many.txt', 'many.txt'], 'no temp files left')
})

t.test('an append cut short appends nothing', async (t) => {
  const s = await startDataServerForTest(t)
  await fetch(`${s.url}__aggregate_txt/agg/cut.txt`, { method: 'PUT', body: 'first\n' })
  const c = await WireClient.connect(s.port)
  const done = nextRequest((m) => m.url === '/__aggregate_txt/agg/cut.txt')
  await c.write('PUT /__aggregate_txt/agg/cut.txt HTTP/1.1\r\nContent-Length: 100\r\n\r\npartial')
  c.socket.resetAndDestroy()
  await done
  t.equal(await readFile(join(s.root, 'agg/cut.txt'), 'utf8'), 'first\n')
})
