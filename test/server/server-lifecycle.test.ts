// Start-up and close() (STYLE.md §2.8): close stops accepting, lets in-flight requests
// finish (bounded), closes idle keep-alive connections, withdraws the advertisement.
import { once } from 'node:events'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { SqliteRegistry } from '../../lib/internal/sqlite-registry.js'
import { startDataServer } from '../../lib/server/index.js'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { mountSmallTmpfs } from '../helpers/small-tmpfs.js'
import { WireClient, streamerPut } from './pyme-wire-client.js'
import { requestStarted } from './request-events.js'

async function tempDir (t: Test): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pyme-life-'))
  t.teardown(() => rm(d, { recursive: true, force: true }))
  return d
}

t.test('close(): an upload in flight completes, idle connections close, new ones are refused', async (t) => {
  const s = await startDataServerForTest(t, { closeTimeoutMs: 10_000 })
  const idle = await WireClient.connect(s.port)
  t.teardown(() => idle.destroy())
  await idle.write('GET /__status HTTP/1.1\r\n\r\n')
  t.equal((await idle.response()).status, 200)
  const busy = await WireClient.connect(s.port)
  t.teardown(() => busy.destroy())
  const started = requestStarted('/life/in-flight.bin')
  await busy.write('PUT /life/in-flight.bin HTTP/1.1\r\nContent-Length: 6\r\n\r\nabc')
  await started // the server has started on it before we close
  const closing = s.close()
  t.equal(s.close(), closing, 'idempotent: the same promise')
  await idle.closed()
  t.pass('the idle keep-alive connection is closed')
  await busy.write('def')
  const r = await busy.response()
  t.equal(r.status, 200, 'the in-flight upload completes')
  t.equal(r.headers['connection'], 'close', 'and is told the connection ends')
  await closing
  await t.rejects(fetch(`${s.url}__status`), 'no longer accepting')
  t.same(await readdir(join(s.root, 'life')), ['in-flight.bin'])
})

t.test('close() is bounded: a stalled upload is cut after closeTimeoutMs and leaves nothing', async (t) => {
  const s = await startDataServerForTest(t, { closeTimeoutMs: 200 })
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  const inFlight = requestStarted('/life/stalled.bin')
  await c.write('PUT /life/stalled.bin HTTP/1.1\r\nContent-Length: 1000\r\n\r\nabc')
  await inFlight
  const started = performance.now()
  await s.close()
  t.ok(performance.now() - started < 8000, 'close did not wait for the stalled client')
  await c.closed()
  const left = await readdir(join(s.root, 'life')).catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return []; throw err })
  t.same(left, [], 'no partial file, no temp file')
})

t.test('advertise local: a row in the SQLite registry (127.0.0.1, real port) removed on close', async (t) => {
  const dir = await tempDir(t)
  const registryPath = join(dir, '_pyme-http.sqlite')
  const s = await startDataServer({ root: join(dir, 'root'), port: 0, advertise: 'local', registryPath, cluster: 'one' })
  const reg = new SqliteRegistry({ path: registryPath })
  const rows = reg.list()
  t.equal(rows.length, 1)
  t.equal(rows[0]?.name, s.instanceName)
  t.match(s.instanceName, /^PYMEDataServer \[one\]:.+ - PID:\d+$/)
  t.equal(rows[0]?.address, '127.0.0.1')
  t.equal(rows[0]?.port, s.port)
  t.equal(s.address, '127.0.0.1', 'local mode binds loopback')
  t.equal(s.advertisedAddress, '127.0.0.1')
  const st = await (await fetch(`${s.url}__status`)).json() as { IPAddress: string, BindAddress: [string, number] }
  t.equal(st.IPAddress, '127.0.0.1')
  t.same(st.BindAddress, ['127.0.0.1', s.port])
  await s.close()
  t.same(reg.list(), [], 'row removed on close')
})

t.test('start-up failures are ServerErrors; bad options are InvalidArgumentErrors', async (t) => {
  const dir = await tempDir(t)
  const blocker = createServer()
  blocker.listen(0, '127.0.0.1')
  await once(blocker, 'listening')
  t.teardown(() => blocker.close())
  const port = (blocker.address() as { port: number }).port
  await t.rejects(startDataServer({ root: join(dir, 'r1'), port }), { name: 'ServerError', code: 'PYME_ERR_SERVER', message: /cannot listen/ })
  await writeFile(join(dir, 'file'), 'x')
  await t.rejects(startDataServer({ root: join(dir, 'file'), port: 0 }), { name: 'ServerError', message: /cannot use data root/ })
  await t.rejects(startDataServer({ root: join(dir, 'r2'), port: 0, advertise: 'local', registryPath: join(dir, 'no/such/dir/reg.sqlite') }), { code: 'PYME_ERR_REGISTRY' })
  await t.rejects(startDataServer({ root: join(dir, 'r3'), port: 0, advertise: 'mdns', interface: 'no-such-if0' }), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  // The port of the failed start is free again.
  const again = await startDataServer({ root: join(dir, 'r4'), port: 0 })
  await again.close()
})

t.test('small answers leave in one write (no Nagle/delayed-ACK stall): headers and body in one segment', async (t) => {
  const s = await startDataServerForTest(t)
  await fetch(`${s.url}small/f.bin`, { method: 'PUT', body: Buffer.alloc(100, 3) })
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  const chunks: Buffer[] = []
  c.socket.on('data', (d: Buffer) => chunks.push(d))
  for (let i = 0; i < 20; i++) {
    chunks.length = 0
    await c.write('GET /small/f.bin HTTP/1.1\r\n\r\n')
    const r = await c.response()
    t.equal(r.body.length, 100)
    if (chunks.length !== 1) t.fail(`response ${i} came in ${chunks.length} chunks`)
  }
  t.pass('every small response arrived as one chunk')
})

t.test('disk full (ENOSPC): 507, temp file removed, the server keeps serving', async (t) => {
  const mnt = await mountSmallTmpfs(t, '1m')
  if (mnt === undefined) {
    t.pass('skipped: cannot mount a small tmpfs here (needs root); ENOSPC maps to 507 in the unit tests')
    return
  }
  const s = await startDataServerForTest(t, { root: mnt })
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  // One at a time: a small PUT pipelined behind the big one may meet the full disk too (its
  // bytes land while the big temp file still fills the file system), and 507 is then right.
  await c.write(streamerPut('full/big.bin', Buffer.alloc(3 * 1024 * 1024, 1)))
  const r = await c.response()
  t.equal(r.status, 507)
  t.equal(r.reason, 'Insufficient Storage')
  await c.write(streamerPut('full/small.txt', 'fits'))
  t.equal((await c.response()).status, 200, 'the next request on the connection is served')
  t.same(await readdir(join(mnt, 'full')), ['small.txt'], 'temp file removed')
  t.equal(await (await fetch(`${s.url}full/small.txt`)).text(), 'fits')
})
