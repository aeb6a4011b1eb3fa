import { readFile, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { WireClient, streamerPut } from './pyme-wire-client.js'

t.test('PUT stores write-once (0440), a second PUT gets 405, GET returns the bytes', async (t) => {
  const s = await startDataServerForTest(t)
  const put = await fetch(`${s.url}wiretest/hello.txt`, { method: 'PUT', body: 'hello PYME' })
  t.equal(put.status, 200)
  t.equal(put.headers.get('content-length'), '0')
  const again = await fetch(`${s.url}wiretest/hello.txt`, { method: 'PUT', body: 'second version' })
  t.equal(again.status, 405)
  t.equal(again.statusText, 'File already exists')
  t.notMatch(await again.text(), s.root, 'no server path in the error')
  const get = await fetch(`${s.url}wiretest/hello.txt`)
  t.equal(get.status, 200)
  t.equal(await get.text(), 'hello PYME')
  t.equal(get.headers.get('content-length'), '10')
  t.equal(get.headers.get('content-type'), 'text/plain')
  t.ok(get.headers.get('last-modified'))
  const st = await stat(join(s.root, 'wiretest/hello.txt'))
  t.equal(st.mode & 0o777, 0o440)
  t.same(await readdir(join(s.root, 'wiretest')), ['hello.txt'], 'no temp file left behind')
})

t.test('listing JSON with flags; 301 without the slash; 404 for missing', async (t) => {
  const s = await startDataServerForTest(t)
  for (const [name, body] of [['ser/s1/metadata.json', '{"a":1}'], ['ser/s1/frame00000.pzf', 'xx'], ['ser/s2/metadata.json', '{}'],
    ['ser/s2/events.json', '[]'], ['ser/plain/a.txt', 'abc'], ['ser/t.h5', 'abcd']] as const) {
    t.equal((await fetch(`${s.url}${name}`, { method: 'PUT', body })).status, 200, name)
  }
  const redirect = await fetch(`${s.url}ser?x=1`, { redirect: 'manual' })
  t.equal(redirect.status, 301)
  t.equal(redirect.headers.get('location'), '/ser/?x=1')
  t.equal(redirect.headers.get('content-length'), '0')
  const list = await fetch(`${s.url}ser/`)
  t.equal(list.headers.get('content-type'), 'application/json; charset=utf-8')
  t.same(await list.json(), { 's1/': [3, 2], 's2/': [7, 2], 'plain/': [1, 1], 't.h5': [2, 4] })
  t.same(await (await fetch(`${s.url}ser/s1/`)).json(), { 'metadata.json': [0, 7], 'frame00000.pzf': [0, 2] })
  t.same(await (await fetch(s.url)).json(), { 'ser/': [1, 4] })
  const missing = await fetch(`${s.url}ser/nothing.txt`)
  t.equal(missing.status, 404)
  t.equal(missing.statusText, 'Not Found')
  t.equal((await fetch(`${s.url}no_such_dir/`)).status, 404)
})

t.test('HEAD answers like GET without a body', async (t) => {
  const s = await startDataServerForTest(t)
  await fetch(`${s.url}h/f.bin`, { method: 'PUT', body: Buffer.alloc(1000, 1) })
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  await c.write('HEAD /h/f.bin HTTP/1.1\r\n\r\nHEAD /h/ HTTP/1.1\r\n\r\nHEAD /h/missing HTTP/1.1\r\n\r\nGET /h/f.bin HTTP/1.1\r\n\r\n')
  const a = await c.response(true)
  t.equal(a.status, 200)
  t.equal(a.headers['content-length'], '1000')
  const b = await c.response(true)
  t.equal(b.status, 200)
  t.equal(b.headers['content-type'], 'application/json; charset=utf-8')
  const m = await c.response(true)
  t.equal(m.status, 404)
  t.ok(Number(m.headers['content-length']) > 0, 'Content-Length of the would-be body')
  // HEAD responses carried no body, so the GET is parsed in step.
  const g = await c.response()
  t.equal(g.status, 200)
  t.equal(g.body.length, 1000)
})

t.test('/__status has PYME keys plus Root and Cluster', async (t) => {
  const s = await startDataServerForTest(t, { cluster: 'labA' })
  const res = await fetch(`${s.url}__status`)
  t.equal(res.status, 200)
  const st = await res.json() as Record<string, unknown>
  t.same(Object.keys(st).slice(0, 11), ['IPAddress', 'BindAddress', 'Port', 'Protocol', 'TestMode', 'ComputerName', 'Disk', 'Uptime', 'CPUUsage', 'MemUsage', 'Network'])
  t.equal(st['Port'], s.port)
  t.equal(st['Protocol'], '1.1')
  t.equal(st['TestMode'], false)
  t.same(st['BindAddress'], ['127.0.0.1', s.port])
  t.equal(st['Root'], s.root)
  t.equal(st['Cluster'], 'labA')
  t.match(st['Uptime'], /^\d+:\d\d:\d\d(\.\d{6})?$/)
  const disk = st['Disk'] as { total: number, used: number, free: number }
  t.ok(disk.total > 0 && disk.free >= 0 && disk.used >= 0)
  t.ok(Array.isArray(st['CPUUsage']))
  t.type((st['MemUsage'] as { total: number }).total, 'number')
  t.equal((await fetch(`${s.url}__status?x=1`)).status, 404, 'only the exact path is the status')
})

t.test('a PYME raw request without Host gets 200; every answer has Content-Length', async (t) => {
  const s = await startDataServerForTest(t)
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  await c.write(streamerPut('raw/a.bin', 'abc'))
  const r = await c.response()
  t.equal(r.status, 200)
  t.equal(r.version, 'HTTP/1.1')
  t.equal(r.headers['content-length'], '0')
  t.notOk(r.headers['transfer-encoding'])
  await c.write('GET /raw/a.bin HTTP/1.1\r\n\r\n')
  const g = await c.response()
  t.equal(g.body.toString(), 'abc')
  t.equal(await readFile(join(s.root, 'raw/a.bin'), 'utf8'), 'abc')
})

t.test('directories removed behind the server\'s back are made again by the next PUT', async (t) => {
  const s = await startDataServerForTest(t)
  t.equal((await fetch(`${s.url}gone/a/one.txt`, { method: 'PUT', body: '1' })).status, 200)
  t.equal((await fetch(`${s.url}__aggregate_txt/gone/a/log.txt`, { method: 'PUT', body: '1' })).status, 200)
  await rm(join(s.root, 'gone'), { recursive: true })
  t.equal((await fetch(`${s.url}gone/a/two.txt`, { method: 'PUT', body: '2' })).status, 200)
  await rm(join(s.root, 'gone'), { recursive: true })
  t.equal((await fetch(`${s.url}gone/b/three.txt`, { method: 'PUT', body: '3' })).status, 200)
  await rm(join(s.root, 'gone'), { recursive: true })
  t.equal((await fetch(`${s.url}__aggregate_txt/gone/a/log.txt`, { method: 'PUT', body: '2' })).status, 200)
  t.equal(await readFile(join(s.root, 'gone/a/log.txt'), 'utf8'), '2')
})
