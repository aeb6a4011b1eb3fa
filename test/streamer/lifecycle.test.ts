/**
 * close() drains and reports; destroy() aborts and tells every waiter; both idempotent; later
 * calls fail with ClosedError / DestroyedError; a close timeout fails what is left.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startDataServers } from '../helpers/data-servers.js'
import { Streamer } from '../../lib/streamer/streamer.js'
import { OperationTimeoutError } from '../../lib/errors.js'
import { startRawServer, type RawRequest } from './raw-http.js'

const run = promisify(execFile)

t.test('close waits for every acknowledgement, then refuses puts', async (t) => {
  const [server] = await startDataServers(t, 1, { testDelayMs: 20 })
  const s = new Streamer({ servers: [server!.url] })
  for (let i = 0; i < 10; i++) s.put(`c/f${i}`, Buffer.from(String(i)))
  t.equal(s.stats().pending, 10)
  const closing = s.close()
  t.equal(s.close(), closing, 'idempotent: the same promise')
  t.throws(() => s.put('c/late', Buffer.from('x')), { code: 'PYME_ERR_CLOSED' })
  await t.rejects(s.putAsync('c/late', Buffer.from('x')), { code: 'PYME_ERR_CLOSED' })
  await t.rejects(s.putAfterAll('c/late', Buffer.from('x')), { code: 'PYME_ERR_CLOSED' })
  const report = await closing
  t.equal(report.files, 10, 'nothing left behind: every answer was read before closing')
  t.equal(s.stats().pending, 0)
  const again = await s.destroy()
  t.equal(again.files, 10, 'destroy after close: no-op, same report')
  t.throws(() => s.put('c/late', Buffer.from('x')), { code: 'PYME_ERR_CLOSED' })
})

t.test('destroy fails what is pending, rejects waiters, keeps what was stored', async (t) => {
  const held: RawRequest[] = []
  const server = await startRawServer(t, (req) => {
    if (req.target.includes('slow')) held.push(req)
    else server.respond(req, 200)
  })
  const s = new Streamer({ servers: [server.url] })
  await s.putAsync('d/fast', Buffer.from('fast'))
  const slow = s.putAsync('d/slow', Buffer.from('slow'))
  const queued = s.putAsync('d/queued', Buffer.from('queued'))
  const fails: string[] = []
  s.on('fail', (f) => fails.push(f.path))
  const errors: Error[] = []
  s.on('error', (e) => errors.push(e))
  while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  const cause = new Error('operator abort')
  const destroying = s.destroy(cause)
  t.equal(s.destroy(), destroying, 'idempotent')
  await t.rejects(slow, { code: 'PYME_ERR_DESTROYED', cause })
  await t.rejects(queued, { code: 'PYME_ERR_DESTROYED' })
  const report = await destroying
  t.equal(report.files, 1)
  t.same(report.failed.map((f) => f.path).sort(), ['d/queued', 'd/slow'])
  t.same(fails.sort(), ['d/queued', 'd/slow'])
  t.same(errors, [cause], "'error' carries the cause")
  t.throws(() => s.put('d/x', Buffer.from('x')), { code: 'PYME_ERR_DESTROYED' })
  await t.rejects(s.close(), { code: 'PYME_ERR_DESTROYED' })
  await t.rejects(s.ready(), { code: 'PYME_ERR_DESTROYED' })
})

t.test('destroy while close is waiting: close rejects with the report', async (t) => {
  const server = await startRawServer(t, () => { /* never answers */ })
  const s = new Streamer({ servers: [server.url], ackTimeoutMs: 60_000 })
  s.put('dc/a', Buffer.from('a'))
  const closing = s.close()
  await s.destroy()
  const err = await closing.then(() => null, (e: unknown) => e) as { code: string, failed: string[] }
  t.equal(err.code, 'PYME_ERR_STORE_FAILED')
  t.same(err.failed, ['dc/a'])
})

t.test('close timeout: files still unacknowledged fail, close() rejects with OperationTimeoutError', async (t) => {
  const server = await startRawServer(t, () => { /* never answers */ })
  const s = new Streamer({ servers: [server.url], closeTimeoutMs: 200, ackTimeoutMs: 60_000 })
  const p = t.rejects(s.putAsync('to/a', Buffer.from('a')), { code: 'PYME_ERR_TIMEOUT' })
  s.put('to/b', Buffer.from('b'))
  const err = await s.close().then(() => null, (e: unknown) => e)
  t.ok(err instanceof OperationTimeoutError, 'the deadline is what failed them')
  if (!(err instanceof OperationTimeoutError)) return
  t.equal(err.code, 'PYME_ERR_TIMEOUT')
  t.same([...err.failed].sort(), ['to/a', 'to/b'])
  t.match(err.message, /closeTimeoutMs \(200 ms\): 2 file\(s\) not stored: to\/a, to\/b/)
  const report = err.report
  t.ok(report !== undefined && 'nodes' in report && report.failed.every((f) => f.error instanceof OperationTimeoutError))
  await p
})

t.test('an idle streamer does not keep a process alive (timers unref\'d, sockets idle)', async (t) => {
  const [server] = await startDataServers(t, 1)
  const dir = await mkdtemp(join(tmpdir(), 'idle-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const script = join(dir, 'idle.mjs')
  await writeFile(script, [
    'const { Streamer } = await import(process.argv[2])',
    'const s = new Streamer({ servers: [process.argv[3]] })',
    "await s.putAsync('idle/a', Buffer.from('a'))",
    "process.stdout.write('stored')"
  ].join('\n'))
  const moduleUrl = new URL('../../lib/streamer/streamer.ts', import.meta.url).href
  const { stdout } = await run(process.execPath, ['--import=@tapjs/typescript/import', script, moduleUrl, server!.url], {
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
    timeout: 60_000
  })
  t.equal(stdout, 'stored', 'the child stored its file and exited by itself')
})
