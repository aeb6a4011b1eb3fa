/**
 * Ordering and accounting: 10,000 small files over 3 real data servers. Every file is on disk
 * exactly once, on the node the distribution chose, with its bytes; the report, the stats and the
 * events agree; each node's answers come in put order.
 */
import t from 'tap'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { startDataServers } from '../helpers/data-servers.js'
import { Streamer } from '../../lib/streamer/streamer.js'

t.test('10k files over 3 nodes: each on disk exactly once, report matches', async (t) => {
  const servers = await startDataServers(t, 3)
  const urls = servers.map((s) => s.url)
  const s = new Streamer({ servers: urls, memoryBudget: 4 * 1024 * 1024 })
  t.same(s.nodes, urls)
  const N = 10_000
  const ackOrder = new Map<string, number[]>()
  let acks = 0
  let firstAttempt = 0
  s.on('ack', (a) => {
    acks++
    if (a.attempts === 1 && !a.verified) firstAttempt++
    const idx = Number(a.path.slice('acct/f'.length))
    const list = ackOrder.get(a.node) ?? []
    list.push(idx)
    ackOrder.set(a.node, list)
  })
  let sent = 0
  const onSend = (): void => { sent++ }
  subscribe('pyme:streamer:send', onSend)
  t.teardown(() => unsubscribe('pyme:streamer:send', onSend))
  let waits = 0
  for (let i = 0; i < N; i++) {
    const body = Buffer.from(`file number ${i}\n`)
    if (!s.put(`acct/f${i}`, body, { index: i })) {
      waits++
      await s.ready()
    }
  }
  const report = await s.close()
  t.equal(report.files, N)
  t.equal(acks, N)
  t.equal(firstAttempt, N, 'each stored at the first send')
  t.equal(sent, N, 'one send per file')
  t.same(report.failed, [])
  t.equal(report.dropped, 0)
  t.equal(report.retries, 0)
  t.equal(report.rerouted, 0)
  let totalBytes = 0
  for (let i = 0; i < N; i++) totalBytes += Buffer.byteLength(`file number ${i}\n`)
  t.equal(report.bytes, totalBytes)
  t.ok(report.durationMs > 0)
  t.comment(`${N} files in ${report.durationMs.toFixed(0)} ms, ${waits} waits for drain`)

  const seen = new Map<string, number>()
  for (let k = 0; k < servers.length; k++) {
    const server = servers[k]!
    const names = await readdir(join(server.root, 'acct'))
    t.equal(report.nodes[server.url]?.files, names.length, 'per-node count matches the disk')
    t.equal(report.nodes[server.url]?.state, 'up')
    let misplaced = 0
    for (const name of names) {
      seen.set(name, (seen.get(name) ?? 0) + 1)
      if (Number(name.slice(1)) % 3 !== k) misplaced++
    }
    t.equal(misplaced, 0, 'round-robin by index')
    const order = ackOrder.get(server.url) ?? []
    t.ok(order.every((v, j) => j === 0 || v > (order[j - 1] as number)), 'answers of one node come in put order')
  }
  t.equal(seen.size, N, 'every file present')
  t.ok([...seen.values()].every((c) => c === 1), 'each exactly once')
  // Spot-check contents.
  for (const i of [0, 1, 2, 4999, 9999]) {
    const got = await readFile(join(servers[i % 3]!.root, 'acct', `f${i}`), 'utf8')
    t.equal(got, `file number ${i}\n`)
  }
  const st = s.stats()
  t.equal(st.pending, 0)
  t.equal(st.bufferedBytes, 0, 'every byte released')
  t.ok(st.peakBufferedBytes <= 4 * 1024 * 1024)
  t.equal(st.acknowledged, N)
})
