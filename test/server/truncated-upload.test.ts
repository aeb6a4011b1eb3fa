// PROTOCOL.md §3.6 MUST: commit only when exactly Content-Length bytes (a complete gzip
// stream, when gzip-encoded) arrived. PYME stored truncated uploads as if complete.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import t from 'tap'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { WireClient, streamerPut } from './pyme-wire-client.js'
import { nextRequest } from './request-events.js'

async function settled (url: string, name: string): Promise<number> {
  // A new request on a new connection is handled after the server saw the close.
  return (await fetch(`${url}${name}`)).status
}

t.test('a client that closes mid-body leaves no file and no temp file', async (t) => {
  const s = await startDataServerForTest(t)
  for (const [i, cut] of [[0, 3], [1, 70_000], [2, 0]] as const) {
    const c = await WireClient.connect(s.port)
    const body = Buffer.alloc(200_000, 7)
    await c.write(Buffer.concat([Buffer.from(`PUT /trunc/f${i}.bin HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n`), body.subarray(0, cut)]))
    c.socket.end()
    await c.closed()
    t.equal(await settled(s.url, `trunc/f${i}.bin`), 404, `cut after ${cut} bytes: not stored`)
  }
  // Half-close (FIN, the reader still listening) is a truncated upload too.
  const h = await WireClient.connect(s.port)
  await h.write('PUT /trunc/half.txt HTTP/1.1\r\nContent-Length: 10\r\nConnection: close\r\n\r\nabc')
  h.socket.end()
  t.equal((await h.response()).status, 400, 'the half-closed client is told (400)')
  await h.closed()
  t.equal(await settled(s.url, 'trunc/half.txt'), 404)
  t.same((await readdir(join(s.root, 'trunc'))).filter((n) => n !== ''), [], 'no temp file left')
  // A reset (RST) mid-body: the server cannot answer; it must still store nothing.
  const r = await WireClient.connect(s.port)
  const outcome = nextRequest((m) => m.url === '/trunc/reset.bin')
  await r.write(Buffer.concat([Buffer.from('PUT /trunc/reset.bin HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n'), Buffer.alloc(300_000, 1)]))
  r.socket.resetAndDestroy()
  t.ok([0, 400].includes((await outcome).status), 'refused (the answer may not reach the client)')
  t.equal(await settled(s.url, 'trunc/reset.bin'), 404)
  t.same(await readdir(join(s.root, 'trunc')), [], 'no temp file after the reset either')
  // The name is still free: a complete retry succeeds.
  const ok = await fetch(`${s.url}trunc/half.txt`, { method: 'PUT', body: 'abcdefghij' })
  t.equal(ok.status, 200)
})

t.test('a complete gzip body is stored inflated; a truncated gzip stream is refused and not stored', async (t) => {
  const s = await startDataServerForTest(t)
  const text = Buffer.from('line of text\n'.repeat(5000))
  const gz = gzipSync(text)
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  const head = (name: string, n: number): string => `PUT /gz/${name} HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: ${n}\r\n\r\n`
  const cut = gz.subarray(0, gz.length - 20)
  await c.write(Buffer.concat([Buffer.from(head('full.txt', gz.length)), gz, Buffer.from(head('cut.txt', cut.length)), cut,
    streamerPut('gz/after.txt', 'still in step')]))
  t.equal((await c.response()).status, 200)
  t.equal((await c.response()).status, 400, 'gzip stream ends early: 400')
  t.equal((await c.response()).status, 200, 'the connection stays in step')
  t.equal(await (await fetch(`${s.url}gz/full.txt`)).text(), text.toString())
  t.equal((await fetch(`${s.url}gz/cut.txt`)).status, 404)
  t.same((await readdir(join(s.root, 'gz'))).sort(), ['after.txt', 'full.txt'])
})
