/**
 * The overflow policies: `'drop'` (refused, counted, `'drop'` event, `put` → false), `'spill'`
 * (journal on disk, replayed in order, removed afterwards) and the spill journal when the only
 * node is down and comes back, including a torn journal tail.
 */
import t, { type Test } from 'tap'
import { readdirSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, stat, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { startDataServers } from '../helpers/data-servers.js'
import { startServerProcess } from '../helpers/server-process.js'
import { Streamer } from '../../lib/streamer/streamer.js'

const KiB = 1024

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spill-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

t.test('drop: refused files are counted, reported and announced; put → false', async (t) => {
  const [server] = await startDataServers(t, 1, { testDelayMs: 5 })
  const s = new Streamer({ servers: [server!.url], memoryBudget: 64 * KiB, overflow: 'drop', pipelining: 2 })
  const dropped: string[] = []
  s.on('drop', (e) => { dropped.push(e.path) })
  const accepted: string[] = []
  for (let i = 0; i < 40; i++) {
    const p = `drop/f${i}`
    if (s.put(p, Buffer.alloc(16 * KiB, i), { index: i })) accepted.push(p)
    t.ok(s.stats().bufferedBytes <= 64 * KiB)
  }
  t.ok(dropped.length > 0, `${dropped.length} dropped`)
  t.equal(accepted.length + dropped.length, 40, 'every file either accepted or dropped')
  await t.rejects(s.putAsync('drop/async', Buffer.alloc(64 * KiB)), { code: 'PYME_ERR_STORE_FAILED', message: /dropped/ })
  const report = await s.close()
  t.equal(dropped.at(-1), 'drop/async')
  t.equal(report.dropped, dropped.length)
  t.equal(report.files, accepted.length)
  t.same(report.failed, [], 'a drop is not a failure')
  t.same((await readdir(join(server!.root, 'drop'))).sort(), accepted.map((p) => p.slice(5)).sort())
})

t.test('spill: overflow goes to the journal, comes back in order, journal removed', async (t) => {
  const dir = await tempDir(t)
  const [server] = await startDataServers(t, 1, { testDelayMs: 2 })
  const s = new Streamer({ servers: [server!.url], memoryBudget: 64 * KiB, overflow: 'spill', spillDir: dir, pipelining: 2 })
  let spills = 0
  s.on('spill', (e) => { spills++; t.ok(e.bytes > 16 * KiB) })
  const order: string[] = []
  s.on('ack', (a) => order.push(a.path))
  let journalSeen = false
  for (let i = 0; i < 40; i++) {
    t.equal(s.put(`spill/f${i}`, Buffer.alloc(16 * KiB, i), { index: i }), true)
    t.ok(s.stats().bufferedBytes <= 64 * KiB, 'memory stays within the budget')
    // Synchronous on purpose: no answer can be processed inside the loop, so once the budget
    // is full every further put must go to the journal, however fast the server is.
    if (readdirSync(dir).length > 0) journalSeen = true
  }
  t.ok(journalSeen, 'a journal file existed')
  t.ok(s.stats().spillPending > 0)
  const report = await s.close()
  t.equal(report.files, 40)
  t.equal(report.spilled, spills)
  t.ok(spills > 0)
  t.same(order, Array.from({ length: 40 }, (_, i) => `spill/f${i}`), 'put order kept through the journal')
  t.same(await readdir(dir), [], 'journal removed once everything is acknowledged')
  t.equal(report.journal, null)
  const got = await readFile(join(server!.root, 'spill', 'f39'))
  t.ok(got.equals(Buffer.alloc(16 * KiB, 39)))
})

t.test('spill: the only node is down, files wait on disk and are replayed when it returns', async (t) => {
  const dir = await tempDir(t)
  let server = await startServerProcess()
  t.teardown(() => server.stop())
  const s = new Streamer({
    servers: [server.url], memoryBudget: 32 * KiB, overflow: 'spill', spillDir: dir, ackTimeoutMs: 1000, backoff: { minMs: 20, maxMs: 200 }
  })
  for (let i = 0; i < 3; i++) await s.putAsync(`down/f${i}`, Buffer.alloc(8 * KiB, i), { index: i })
  server.kill('SIGKILL')
  await once(server.child, 'exit')
  const downSeen = once(s, 'node-down')
  for (let i = 3; i < 30; i++) s.put(`down/f${i}`, Buffer.alloc(8 * KiB, i), { index: i })
  await downSeen
  t.ok(s.stats().spillPending > 0, 'files spilled while the node is down')
  t.ok(s.stats().bufferedBytes <= 32 * KiB)
  const up = once(s, 'node-up')
  server = await server.restart()
  await up
  const report = await s.close()
  t.equal(report.files, 30)
  t.same(report.failed, [])
  const names = await readdir(join(server.root, 'down'))
  t.equal(names.length, 30, 'every file on disk')
  t.same(await readdir(dir), [], 'journal removed')
})

t.test('spill: a torn journal tail fails the damaged files, never replays garbage', async (t) => {
  const dir = await tempDir(t)
  let server = await startServerProcess()
  t.teardown(() => server.stop())
  const s = new Streamer({
    servers: [server.url], memoryBudget: 16 * KiB, overflow: 'spill', spillDir: dir, ackTimeoutMs: 1000, backoff: { minMs: 20, maxMs: 100 }
  })
  await s.putAsync('torn/f0', Buffer.alloc(8 * KiB, 0))
  server.kill('SIGKILL')
  await once(server.child, 'exit')
  for (let i = 1; i < 12; i++) s.put(`torn/f${i}`, Buffer.alloc(8 * KiB, i), { index: i })
  const [journal] = await readdir(dir)
  t.ok(journal, 'journal present')
  const path = join(dir, journal!)
  const size = (await stat(path)).size
  // Tear the last record, as a crash in the middle of an append would.
  await truncate(path, size - 100)
  const failed: string[] = []
  s.on('fail', (f) => { failed.push(f.path); t.equal((f.error as { code?: string }).code, 'PYME_ERR_JOURNAL') })
  server = await server.restart()
  const err = await s.close().then(() => null, (e: unknown) => e) as { code: string, failed: string[], report: { files: number } } | null
  t.ok(err, 'close rejects')
  t.equal(err?.code, 'PYME_ERR_STORE_FAILED')
  t.same(err?.failed, ['torn/f11'], 'the torn record is reported failed')
  t.same(failed, ['torn/f11'])
  t.equal(err?.report.files, 11, 'everything before the damage was stored')
  t.equal((await readdir(join(server.root, 'torn'))).length, 11)
})
