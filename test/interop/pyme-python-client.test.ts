/**
 * A Python client that speaks exactly as PYME's clusterIO and Streamer do (test/interop/pyme_client.py,
 * re-created from PROTOCOL.md §5–6 because PYME itself cannot be installed here) against our server.
 */
import { execFile, execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { startDataServerForTest } from '../helpers/data-servers.js'

function python (): string | undefined {
  try {
    execFileSync('python3', ['-c', 'import json, socket, threading, urllib.request'], { stdio: 'ignore' })
    return undefined
  } catch {
    return 'python3 is not installed, so no Python client can be run'
  }
}

t.test('PYME-style Python client: put_files, a Streamer with an idle pause, listings, get, status', { skip: python() ?? false }, async (t) => {
  const server = await startDataServerForTest(t)
  const script = fileURLToPath(new URL('./pyme_client.py', import.meta.url))
  const { stdout } = await promisify(execFile)('python3', [script, '127.0.0.1', String(server.port), 'py'], { timeout: 90_000 })
  const out = JSON.parse(stdout) as Record<string, unknown>
  t.same(out['put_files'], [200, 200, 200, 200, 200], 'pipelined put_files all stored')
  t.same(out['stream_errors'], [], 'no send/receive thread died')
  t.same(out['stream_codes'], { 200: 251, 405: 1 }, '250 frames and events.json stored, the duplicate refused, all answers in order')
  t.same(out['stream_last'], [['py/s1/frame00000.pzf', 405], ['py/s1/events.json', 200]])
  t.equal(out['listing_status'], 200)
  t.equal(out['listing_count'], 251)
  t.same(out['listing_frame0'], [0, 100], 'size of the first write, never the rejected one')
  t.same(out['parent_listing'], { 'pf/': [1, 5], 's1/': [5, 251] }, 'flags: directory + complete (events.json), no series bit without metadata.json')
  t.equal(out['get_frame7'], '00007'.repeat(20))
  t.equal(out['missing'], 404)
  t.same(out['status_keys'], ['BindAddress', 'ComputerName', 'Disk', 'IPAddress', 'Port', 'Protocol', 'TestMode', 'Uptime'])
  t.equal(out['status_port'], server.port)
})
