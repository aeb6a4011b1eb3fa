/**
 * Nodes that fail: killed mid-stream (SIGKILL), hung (SIGSTOP beyond the ack timeout), refusing
 * connections, answering 5xx, full (507 from a tmpfs root). Every file lands somewhere healthy
 * and the report says what happened.
 */
import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDataServers } from '../helpers/data-servers.js'
import { VirtualClock } from '../helpers/virtual-clock.js'
import { startServerProcess } from '../helpers/server-process.js'
import { Streamer } from '../../lib/streamer/streamer.js'
import { startRawServer } from './raw-http.js'

const KiB = 1024

async function filesUnder (root: string, dir: string): Promise<string[]> {
  try {
    return await readdir(join(root, dir))
  } catch {
    return []
  }
}

t.test('a node killed mid-stream: every file lands on the others', async (t) => {
  const local = await startDataServers(t, 2)
  const victim = await startServerProcess()
  t.teardown(() => victim.stop())
  const urls = [local[0]!.url, victim.url, local[1]!.url]
  const s = new Streamer({ servers: urls, ackTimeoutMs: 2000, backoff: { minMs: 50, maxMs: 500 }, pipelining: 8, memoryBudget: 256 * KiB })
  const stored = new Map<string, string>()
  s.on('ack', (a) => stored.set(a.path, a.node))
  const downs: string[] = []
  s.on('node-down', (e) => downs.push(e.url))
  const N = 1500
  let killed = false
  for (let i = 0; i < N; i++) {
    if (!s.put(`kill/f${i}`, Buffer.alloc(4 * KiB, i & 0xff), { index: i })) await s.ready()
    if (i === 500) {
      // Kill it while files are in flight to it and more are queued.
      while (stored.size < 300) await once(s, 'ack')
      victim.kill('SIGKILL')
      killed = true
    }
  }
  t.ok(killed, 'killed mid-stream')
  const report = await s.close()
  t.equal(report.files, N, 'every file stored')
  t.same(report.failed, [])
  t.equal(report.nodes[victim.url]?.state, 'down')
  t.ok(report.nodes[victim.url]!.retries > 0 || report.rerouted > 0, 'the report shows the failure')
  t.ok(report.rerouted > 0, `${report.rerouted} files went elsewhere`)
  t.same(downs, [victim.url])
  // Every file is on the node that acknowledged it.
  const onDisk = new Map<string, Set<string>>()
  for (const [url, root] of [[local[0]!.url, local[0]!.root], [victim.url, victim.root], [local[1]!.url, local[1]!.root]] as const) {
    onDisk.set(url, new Set(await filesUnder(root, 'kill')))
  }
  let missing = 0
  for (const [path, node] of stored) if (!onDisk.get(node)!.has(path.slice('kill/'.length))) missing++
  t.equal(missing, 0, 'each acknowledged file is on its node')
  t.equal(stored.size, N)
  t.equal(report.nodes[victim.url]!.files, [...stored.values()].filter((u) => u === victim.url).length)
})

t.test('a hung node (SIGSTOP) is marked down after the ack timeout, and comes back', async (t) => {
  const [healthy] = await startDataServers(t, 1)
  const hung = await startServerProcess()
  // SIGKILL first: a server stopped with requests half received waits for them on SIGTERM.
  t.teardown(async () => {
    hung.kill('SIGKILL')
    if (hung.child.exitCode === null && hung.child.signalCode === null) await once(hung.child, 'exit')
    await hung.stop()
  })
  // Virtual time: the ack timeout passes only when the test advances the clock, so a slow
  // child on a loaded machine is never blamed, and the test does not wait 2 s for the timeout.
  // Every file is routed to the hung node first; the healthy one only takes what is re-sent.
  const clock = new VirtualClock()
  const s = new Streamer({ servers: [hung.url, healthy!.url], ackTimeoutMs: 2000, backoff: { minMs: 50, maxMs: 200 }, distribution: () => 0, clock })
  await s.putAsync('hang/first', Buffer.from('x'), { index: 0 })
  t.equal(s.stats().nodes[0]?.state, 'up', 'answered before it was stopped')
  hung.kill('SIGSTOP')
  const down = once(s, 'node-down')
  const acks: Promise<unknown>[] = []
  for (let i = 0; i < 20; i++) acks.push(s.putAsync(`hang/f${i}`, Buffer.alloc(KiB, i), { index: i }))
  clock.advance(1999)
  t.equal(s.stats().nodes[0]?.state, 'up', 'not before the ack timeout')
  clock.advance(501)
  const [event] = await down as [{ url: string, error: { code: string } }]
  t.equal(event.url, hung.url)
  t.equal(event.error.code, 'PYME_ERR_ACK_TIMEOUT')
  await Promise.all(acks)
  t.equal(s.stats().nodes[0]?.state, 'down')
  let up = false
  const upEvent = once(s, 'node-up').then(() => { up = true })
  hung.kill('SIGCONT')
  // Each step lets the back-off's probe run; a probe sent before the child resumed fails and
  // is scheduled again, so the clock is moved on until one is answered (bounded).
  for (let i = 0; i < 100 && !up; i++) {
    clock.advance(200)
    await Promise.race([upEvent, new Promise((resolve) => { setTimeout(resolve, 50) })])
  }
  t.ok(up, 'up again once it answers a probe')
  await s.putAsync('hang/after', Buffer.from('y'), { index: 0 })
  const report = await s.close()
  t.equal(report.files, 22)
  t.same(report.failed, [])
  t.ok(report.nodes[hung.url]!.retries > 0)
  t.ok((await filesUnder(hung.root, 'hang')).includes('after'), 'used again once it is back')
})

t.test('refused connections and 5xx answers: files go to the healthy node', async (t) => {
  const [healthy] = await startDataServers(t, 1)
  let fives = 0
  const broken = await startRawServer(t, (req) => {
    if (req.method === 'PUT') fives++
    broken.respond(req, req.method === 'PUT' ? 500 : 200)
  })
  const refused = 'http://127.0.0.1:1/'
  const s = new Streamer({ servers: [refused, broken.url, healthy!.url], backoff: { minMs: 20, maxMs: 100 } })
  const retries: string[] = []
  s.on('retry', (r) => retries.push(`${r.node} ${r.path} ${r.attempt}`))
  for (let i = 0; i < 30; i++) s.put(`err/f${i}`, Buffer.from(`f${i}`), { index: i })
  const report = await s.close()
  t.equal(report.files, 30)
  t.same(report.failed, [])
  t.equal(report.nodes[healthy!.url]?.files, 30)
  t.ok(fives > 0, 'the 5xx node was tried')
  t.ok(retries.length >= 2, 'retries reported')
  t.equal((await readdir(join(healthy!.root, 'err'))).length, 30)
})

t.test('a full node (507 from a tmpfs root): files go elsewhere', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'full-root-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', root])
  t.teardown(async () => {
    execFileSync('umount', ['-l', root])
    await rm(root, { recursive: true, force: true })
  })
  const [full] = await startDataServers(t, 1, { root })
  const [roomy] = await startDataServers(t, 1)
  const s = new Streamer({ servers: [full!.url, roomy!.url], backoff: { minMs: 20, maxMs: 40 } })
  const states: string[] = []
  s.on('node-down', (e) => states.push(e.state))
  for (let i = 0; i < 60; i++) s.put(`full/f${i}`, Buffer.alloc(16 * KiB, i), { index: i })
  // After the back-off the full node is tried again (it may have been cleaned up meanwhile).
  await once(s, 'node-up')
  for (let i = 60; i < 70; i++) s.put(`full/f${i}`, Buffer.alloc(16 * KiB, i), { index: i })
  const report = await s.close()
  t.equal(report.files, 70)
  t.same(report.failed, [])
  t.ok(states.includes('full'), 'node reported full')
  t.ok(report.nodes[full!.url]!.files < 35, 'the full node took what fitted')
  const a = await filesUnder(full!.root, 'full')
  const b = await filesUnder(roomy!.root, 'full')
  t.equal(new Set([...a, ...b]).size, 70, 'every file on one node or the other')
})

t.test('maxAttempts bounds the re-sends of a file', async (t) => {
  const broken = await startRawServer(t, (req) => { broken.respond(req, req.method === 'PUT' ? 503 : 200) })
  const s = new Streamer({ servers: [broken.url], maxAttempts: 3, backoff: { minMs: 10, maxMs: 20 } })
  const p = s.putAsync('att/f', Buffer.from('x'))
  await t.rejects(p, { code: 'PYME_ERR_HTTP_STATUS', status: 503 })
  t.equal(broken.requests.filter((r) => r.method === 'PUT').length, 3)
  await t.rejects(s.close(), { code: 'PYME_ERR_STORE_FAILED', failed: ['att/f'] })
})

async function rejectedReport (t: Test, p: Promise<unknown>): Promise<{ failed: Array<{ path: string, error: { code: string } }>, files: number }> {
  const err = await p.then(() => null, (e: unknown) => e) as { report: never } | null
  t.ok(err, 'close rejects')
  return err!.report
}

t.test('4xx answers fail that file only; the node stays up', async (t) => {
  const picky = await startRawServer(t, (req) => { picky.respond(req, req.target.endsWith('bad') ? 400 : 200) })
  const s = new Streamer({ servers: [picky.url] })
  for (const n of ['a', 'bad', 'b']) s.put(`four/${n}`, Buffer.from(n))
  const report = await rejectedReport(t, s.close())
  t.equal(report.files, 2)
  t.same(report.failed.map((f) => [f.path, f.error.code]), [['four/bad', 'PYME_ERR_HTTP_STATUS']])
  t.equal(s.stats().nodes[0]?.state, 'up')
})
