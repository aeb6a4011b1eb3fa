// Bad input at the protocol level (PROTOCOL.md §3.1, §3.8 MUST): every case gets a complete
// response with Content-Length (never a silent drop), and the server keeps serving, on the
// same connection where it can stay in step.
import { mkdir, rm } from 'node:fs/promises'
import t, { type Test } from 'tap'
import type { DataServer } from '../../lib/server/index.js'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { WireClient, streamerPut, type WireResponse } from './pyme-wire-client.js'

async function stillServes (t: Test, s: DataServer): Promise<void> {
  const res = await fetch(`${s.url}known.txt`)
  t.equal(res.status, 200, 'a new connection is served')
  t.equal(await res.text(), 'known')
}

async function setup (t: Test, options = {}): Promise<{ s: DataServer, c: WireClient }> {
  const s = await startDataServerForTest(t, options)
  t.equal((await fetch(`${s.url}known.txt`, { method: 'PUT', body: 'known' })).status, 200)
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  return { s, c }
}

function hasLength (t: Test, r: WireResponse): void {
  t.ok(r.headers['content-length'] !== undefined, `${r.status} has Content-Length`)
}

// Sends `request`, expects `status`, then checks the same connection still answers.
async function inStep (t: Test, c: WireClient, request: string | Buffer, status: number): Promise<WireResponse> {
  await c.write(Buffer.concat([typeof request === 'string' ? Buffer.from(request) : request, Buffer.from('GET /known.txt HTTP/1.1\r\n\r\n')]))
  const r = await c.response()
  t.equal(r.status, status)
  hasLength(t, r)
  t.match(r.reason, /^[\x20-\x7e]*$/, 'ASCII reason phrase')
  const next = await c.response()
  t.equal(next.status, 200, 'the connection stays in step')
  t.equal(next.body.toString(), 'known')
  return r
}

// Sends `request`, expects `status` and the connection closed afterwards.
async function thenClosed (t: Test, c: WireClient, request: string | Buffer, status: number): Promise<WireResponse> {
  await c.write(request)
  const r = await c.response()
  t.equal(r.status, status)
  hasLength(t, r)
  await c.closed()
  return r
}

t.test('NUL, control characters, backslashes and bad escapes in paths: 400', async (t) => {
  const { s, c } = await setup(t)
  await inStep(t, c, 'GET /a%00b HTTP/1.1\r\n\r\n', 400)
  await inStep(t, c, streamerPut('nul%00.txt', 'abc'), 400)
  await inStep(t, c, 'GET /a%0Ab HTTP/1.1\r\n\r\n', 400)
  await inStep(t, c, 'GET /a\\b HTTP/1.1\r\n\r\n', 400)
  await inStep(t, c, streamerPut('back\\slash.txt', 'abc'), 400)
  await inStep(t, c, 'GET /%E0%A4%A HTTP/1.1\r\n\r\n', 400)
  await stillServes(t, s)
})

t.test('unparsable requests get a real 400 (then close); the server keeps serving', async (t) => {
  const { s, c } = await setup(t)
  await thenClosed(t, c, 'HELLO\r\n\r\n', 400)
  const c2 = await WireClient.connect(s.port)
  t.teardown(() => c2.destroy())
  await thenClosed(t, c2, 'GET /known.txt HTTP/2.0\r\n\r\n', 505)
  const c3 = await WireClient.connect(s.port)
  t.teardown(() => c3.destroy())
  // LF-only line endings are refused by Node's strict parser (request smuggling defence).
  await thenClosed(t, c3, 'PUT /lf.txt HTTP/1.1\ncontent-length: 2\n\nok', 400)
  const c4 = await WireClient.connect(s.port)
  t.teardown(() => c4.destroy())
  // Raw (not percent-encoded) UTF-8 in the request line: Node refuses it; clients must encode.
  await thenClosed(t, c4, Buffer.concat([Buffer.from('GET /'), Buffer.from('ä', 'utf8'), Buffer.from(' HTTP/1.1\r\n\r\n')]), 400)
  const c5 = await WireClient.connect(s.port)
  t.teardown(() => c5.destroy())
  await thenClosed(t, c5, `GET /known.txt HTTP/1.1\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`, 431)
  // Answers owed before the garbage are sent first, in order.
  const c6 = await WireClient.connect(s.port)
  t.teardown(() => c6.destroy())
  await c6.write(Buffer.concat([streamerPut('order/a.txt', 'a'), Buffer.from('GET /known.txt HTTP/1.1\r\n\r\nBROKEN LINE\r\n\r\n')]))
  t.equal((await c6.response()).status, 200)
  t.equal((await c6.response()).body.toString(), 'known')
  t.equal((await c6.response()).status, 400)
  await c6.closed()
  await stillServes(t, s)
})

t.test('malformed Content-Length: 400; Content-Length with chunked: 400', async (t) => {
  const { s, c } = await setup(t)
  await thenClosed(t, c, 'PUT /cl/a.txt HTTP/1.1\r\nContent-Length: abc\r\n\r\n', 400)
  const c2 = await WireClient.connect(s.port)
  t.teardown(() => c2.destroy())
  await thenClosed(t, c2, 'PUT /cl/b.txt HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 400)
  await stillServes(t, s)
})

t.test('PYME clients\' liveness probes (connect, then close at once) are harmless', async (t) => {
  const s = await startDataServerForTest(t)
  await fetch(`${s.url}known.txt`, { method: 'PUT', body: 'known' })
  for (let i = 0; i < 50; i++) {
    const c = await WireClient.connect(s.port)
    if (i % 2 === 0) c.socket.end()
    else c.socket.resetAndDestroy()
  }
  await stillServes(t, s)
})

t.test('the server\'s own temp files and markers are never served', async (t) => {
  const { s } = await setup(t)
  await fetch(`${s.url}__aggregate_txt/own/log.txt`, { method: 'PUT', body: 'x' })
  t.equal((await fetch(`${s.url}own/.pyme-agg.log.txt`)).status, 404)
  t.equal((await fetch(`${s.url}own/log.txt`)).status, 200)
})

t.test('unsupported methods: 501', async (t) => {
  const { s, c } = await setup(t)
  const r = await inStep(t, c, 'DELETE /known.txt HTTP/1.1\r\n\r\n', 501)
  t.equal(r.reason, 'Unsupported method')
  // A body we do not read: answered, then closed.
  await thenClosed(t, c, 'POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc', 501)
  const c2 = await WireClient.connect(s.port)
  t.teardown(() => c2.destroy())
  await thenClosed(t, c2, 'FROB /x HTTP/1.1\r\n\r\n', 501)
  await stillServes(t, s)
})

t.test('PUT lengths: missing 411, absurd 413 (closed), Expect with absurd length: 413 without 100', async (t) => {
  const { s, c } = await setup(t, { maxBodyBytes: 1024 * 1024 })
  await inStep(t, c, 'PUT /len/none.txt HTTP/1.1\r\n\r\n', 411)
  await thenClosed(t, c, 'PUT /len/huge.bin HTTP/1.1\r\nContent-Length: 1000000000000000\r\n\r\nabc', 413)
  const c2 = await WireClient.connect(s.port)
  t.teardown(() => c2.destroy())
  await c2.write('PUT /len/exp.bin HTTP/1.1\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n')
  const first = await new Promise<string>((resolve) => c2.socket.once('data', (d: Buffer) => resolve(d.toString('latin1'))))
  t.match(first, /^HTTP\/1\.1 413 /, 'no 100 Continue for a body that would be refused')
  t.equal((await fetch(`${s.url}len/huge.bin`)).status, 404)
  await stillServes(t, s)
})

t.test('Transfer-Encoding: chunked is supported, with gzip too, and bounded', async (t) => {
  const { s, c } = await setup(t, { maxBodyBytes: 64 * 1024 })
  const chunked = 'PUT /chunk/a.txt HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'
  await inStep(t, c, chunked, 200)
  t.equal(await (await fetch(`${s.url}chunk/a.txt`)).text(), 'hello world')
  const { gzipSync } = await import('node:zlib')
  const gz = gzipSync(Buffer.from('zipped'))
  await inStep(t, c, Buffer.concat([
    Buffer.from(`PUT /chunk/z.txt HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n${gz.length.toString(16)}\r\n`),
    gz, Buffer.from('\r\n0\r\n\r\n')]), 200)
  t.equal(await (await fetch(`${s.url}chunk/z.txt`)).text(), 'zipped')
  // Over the limit without a length: cannot be drained, so 413 and close.
  const big = Buffer.alloc(70 * 1024, 1)
  const tooBig = Buffer.concat([Buffer.from(`PUT /chunk/big.bin HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n`), big, Buffer.from('\r\n0\r\n\r\n')])
  await c.write(tooBig)
  const r = await c.response()
  t.equal(r.status, 413)
  await c.closed()
  t.equal((await fetch(`${s.url}chunk/big.bin`)).status, 404)
  await stillServes(t, s)
})

t.test('gzip: invalid 400, inflating past the limit 413, unknown encoding 415, all in step', async (t) => {
  const { s, c } = await setup(t, { maxBodyBytes: 100_000 })
  await inStep(t, c, 'PUT /gz/bad.txt HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\n\r\nnot gzip!!', 400)
  const { gzipSync } = await import('node:zlib')
  const bomb = gzipSync(Buffer.alloc(10_000_000))
  t.ok(bomb.length < 100_000)
  await inStep(t, c, Buffer.concat([Buffer.from(`PUT /gz/bomb.bin HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`), bomb]), 413)
  await inStep(t, c, 'PUT /gz/br.txt HTTP/1.1\r\nContent-Encoding: br\r\nContent-Length: 3\r\n\r\nabc', 415)
  for (const n of ['bad.txt', 'bomb.bin', 'br.txt']) t.equal((await fetch(`${s.url}gz/${n}`)).status, 404, `${n} not stored`)
  await stillServes(t, s)
})

t.test('PUT targets: root 405, parent is a file 409, reserved names 400, mkdir with trailing slash', async (t) => {
  const { s, c } = await setup(t)
  await inStep(t, c, streamerPut('', 'x'), 405)
  await inStep(t, c, streamerPut('known.txt/child.txt', 'x'), 409)
  await inStep(t, c, streamerPut('d/.pyme-tmp-1', 'x'), 400)
  await inStep(t, c, streamerPut('.pyme-x/f', 'x'), 400)
  await inStep(t, c, streamerPut('newdir/', ''), 200)
  await inStep(t, c, streamerPut('newdir/', ''), 405)
  t.same(await (await fetch(`${s.url}newdir/`)).json(), {})
  await inStep(t, c, streamerPut(`${'n'.repeat(300)}.txt`, 'x'), 414)
  await stillServes(t, s)
})

t.test('endpoints we refuse: MirrorSource 403, malformed HDF5 appends 400, unknown __aggregate*/__pyramid* 501', async (t) => {
  const { s, c } = await setup(t)
  await inStep(t, c, streamerPut('m/f.txt?MirrorSource=http://127.0.0.1:1/x', 'x'), 403)
  await inStep(t, c, streamerPut('__aggregate_h5r/r.h5r/FitResults', 'pickle?'), 400)
  await inStep(t, c, streamerPut('__aggregate_h5/s.h5/frame00000.pzf', 'pzf'), 400)
  await inStep(t, c, streamerPut('__aggregate_other/x', 'x'), 501)
  await inStep(t, c, streamerPut('__pyramid_create/p', '{}'), 501)
  t.equal((await fetch(`${s.url}m/f.txt`)).status, 404)
  await stillServes(t, s)
})

t.test('an internal error is a 500 with Content-Length, and the server keeps serving', async (t) => {
  const { s, c } = await setup(t)
  // The root vanishing under the server makes the status' statfs fail unexpectedly.
  await rm(s.root, { recursive: true, force: true })
  await c.write('GET /__status HTTP/1.1\r\n\r\n')
  const r = await c.response()
  t.equal(r.status, 500)
  t.equal(r.reason, 'Internal Server Error')
  hasLength(t, r)
  await mkdir(s.root)
  await c.write('GET /__status HTTP/1.1\r\n\r\n')
  t.equal((await c.response()).status, 200, 'the same connection is served again')
})

t.test('read-only and test-mode servers', async (t) => {
  const ro = await startDataServerForTest(t, { readOnly: true })
  const res = await fetch(`${ro.url}x.txt`, { method: 'PUT', body: 'x' })
  t.equal(res.status, 403)
  t.equal((await fetch(`${ro.url}x.txt`)).status, 404)
  const tm = await startDataServerForTest(t, { testMode: true, testDelayMs: 20 })
  const started = performance.now()
  t.equal((await fetch(`${tm.url}y.bin`, { method: 'PUT', body: Buffer.alloc(5000) })).status, 200)
  t.ok(performance.now() - started >= 15, 'the test delay applies')
  t.equal((await fetch(`${tm.url}y.bin`)).status, 404, 'test mode stores nothing')
  t.equal(((await (await fetch(`${tm.url}__status`)).json()) as { TestMode: boolean }).TestMode, true)
})
