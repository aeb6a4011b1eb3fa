// The direct write-once PUT (direct-put.ts): uploads into a directory the server already knows,
// written from the engine's read buffer. Same guarantees as the general path: commits in
// connection order, 405 for a name taken, nothing left of a cut or failed upload, 507 when full.
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { mountSmallTmpfs } from '../helpers/small-tmpfs.js'
import { WireClient, streamerPut } from './pyme-wire-client.js'
import { nextRequest } from './request-events.js'

function body (size: number, seed: number): Buffer {
  const b = Buffer.alloc(size)
  for (let i = 0; i < size; i++) b[i] = (i * 13 + seed) & 0xff
  return b
}

t.test('a direct PUT behind a slower request commits after it, and a GET behind it sees the file', async (t) => {
  const s = await startDataServerForTest(t, { syncCommit: true })
  t.equal((await fetch(`${s.url}known/first.bin`, { method: 'PUT', body: 'x' })).status, 200)
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  const small = body(300_000, 1)
  const large = body(3 * 1024 * 1024 + 3, 2)
  // The first PUT makes new directories (the general path, asynchronous); the next two take
  // the direct path and must not commit or answer before it.
  await c.write(Buffer.concat([
    streamerPut('fresh/a/b/c.bin', 'new dirs'),
    streamerPut('known/small.bin', small),
    streamerPut('known/large.bin', large),
    Buffer.from('GET /known/large.bin HTTP/1.1\r\n\r\n'),
    streamerPut('known/small.bin', 'again')
  ]))
  for (const what of ['new dirs', 'small', 'large']) t.equal((await c.response()).status, 200, what)
  const got = await c.response()
  t.equal(got.status, 200)
  t.same(got.body, large, 'the GET behind the PUT reads the whole file')
  t.equal((await c.response()).status, 405, 'a name taken: 405')
  t.same(await readFile(join(s.root, 'known', 'small.bin')), small, 'the first content stays')
  t.equal((await stat(join(s.root, 'known', 'large.bin'))).mode & 0o777, 0o440)
  t.same((await readdir(join(s.root, 'known'))).sort(), ['first.bin', 'large.bin', 'small.bin'], 'no temp file left')
  const listing = await (await fetch(`${s.url}known/`)).json() as Record<string, [number, number]>
  t.same(listing['large.bin'], [0, large.length])
})

t.test('a direct upload cut short (large or small) leaves nothing, and the name stays free', async (t) => {
  const s = await startDataServerForTest(t, { syncCommit: true })
  t.equal((await fetch(`${s.url}cut/first.bin`, { method: 'PUT', body: 'x' })).status, 200)
  for (const [name, size, sent] of [['large.bin', 5 * 1024 * 1024, 2 * 1024 * 1024 + 11], ['small.bin', 400_000, 123_456]] as const) {
    const c = await WireClient.connect(s.port)
    const outcome = nextRequest((m) => m.url === `/cut/${name}`)
    await c.write(Buffer.concat([Buffer.from(`PUT /cut/${name} HTTP/1.1\r\nContent-Length: ${size}\r\n\r\n`), body(sent, 3)]))
    c.socket.resetAndDestroy()
    t.ok([0, 400].includes((await outcome).status), `${name}: refused (the answer may not reach the client)`)
    t.same((await readdir(join(s.root, 'cut'))).filter((n) => n !== 'first.bin' && n !== 'large.bin'), [], `${name}: no file, no temp file`)
    t.notOk((await readdir(join(s.root, 'cut'))).includes(name), `${name} not stored`)
    t.equal((await fetch(`${s.url}cut/${name}`, { method: 'PUT', body: 'retry' })).status, 200, `${name}: the name is still free`)
  }
})

t.test('disk full on the direct path: 507, nothing left, the connection serves on', async (t) => {
  const mnt = await mountSmallTmpfs(t, '2m')
  if (mnt === undefined) {
    t.pass('skipped: cannot mount a small tmpfs here (needs root); ENOSPC maps to 507 in the unit tests')
    return
  }
  const s = await startDataServerForTest(t, { root: mnt })
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  await c.write(streamerPut('full/first.txt', 'known dir'))
  t.equal((await c.response()).status, 200)
  // Larger than 1 MiB: pooled asynchronous writes; then a small body written synchronously.
  await c.write(streamerPut('full/big.bin', body(3 * 1024 * 1024, 4)))
  t.equal((await c.response()).status, 507, 'large body: 507')
  await c.write(streamerPut('full/fits.bin', body(1024 * 1024, 5)))
  t.equal((await c.response()).status, 200, 'a body that fits is stored')
  await c.write(streamerPut('full/over.bin', body(1024 * 1024, 6)))
  t.equal((await c.response()).status, 507, 'small body on a full disk: 507')
  await c.write(streamerPut('full/tiny.txt', 'ok'))
  t.equal((await c.response()).status, 200, 'the connection serves on')
  t.same((await readdir(join(mnt, 'full'))).sort(), ['first.txt', 'fits.bin', 'tiny.txt'], 'no temp files')
})

t.test('pipelined large uploads pause reading for the disk and arrive byte for byte', async (t) => {
  const s = await startDataServerForTest(t, { syncCommit: true })
  t.equal((await fetch(`${s.url}many/first.bin`, { method: 'PUT', body: 'x' })).status, 200)
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  // Sent in one write, far more than the 4 MiB a direct upload holds before it pauses reading:
  // after each pause the next read goes straight into the writer's buffer (no stash), or, when
  // a pause left part of a read behind, through the stash. Odd sizes put the boundaries anywhere.
  const bodies = Array.from({ length: 6 }, (_, i) => body(6 * 1024 * 1024 + 4097 * i + 1, 10 + i))
  await c.write(Buffer.concat(bodies.map((b, i) => streamerPut(`many/f${i}.bin`, b))))
  for (let i = 0; i < bodies.length; i++) t.equal((await c.response()).status, 200, `f${i} stored`)
  for (let i = 0; i < bodies.length; i++) {
    t.ok((await readFile(join(s.root, 'many', `f${i}.bin`))).equals(bodies[i] as Buffer), `f${i}: every byte as sent`)
  }
})
