// test/helpers/server-process.ts: a data server in its own process, killable and
// restartable on the same port and root (used by the Streamer and fault suites).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { startServerProcess } from '../helpers/server-process.js'

t.test('start, SIGSTOP/SIGCONT, SIGKILL, restart on the same port and root, stop', async (t) => {
  const p = await startServerProcess({ cluster: 'proc' })
  t.teardown(() => p.stop())
  t.match(p.url, /^http:\/\/127\.0\.0\.1:\d+\/$/)
  t.match(p.instanceName, /^PYMEDataServer \[proc\]:/)
  t.equal((await fetch(`${p.url}a/f.txt`, { method: 'PUT', body: 'one' })).status, 200)
  t.equal(await readFile(join(p.root, 'a/f.txt'), 'utf8'), 'one')

  p.kill('SIGSTOP')
  const stalled = fetch(`${p.url}a/f.txt`)
  p.kill('SIGCONT')
  t.equal(await (await stalled).text(), 'one', 'a stopped server answers once continued')

  p.kill('SIGKILL')
  await new Promise((resolve) => p.child.once('exit', resolve))
  await t.rejects(fetch(`${p.url}a/f.txt`), 'killed: refused')
  const q = await p.restart()
  t.teardown(() => q.stop())
  t.equal(q.port, p.port)
  t.equal(q.root, p.root)
  t.not(q.pid, p.pid)
  t.equal(await (await fetch(`${q.url}a/f.txt`)).text(), 'one', 'the data survived')
  t.equal((await fetch(`${q.url}a/f.txt`, { method: 'PUT', body: 'two' })).status, 405)
  await q.stop()
  await t.rejects(fetch(`${q.url}__status`), 'stopped')
})

t.test('local advertisement of a child goes to its own TMPDIR registry, never the real one', async (t) => {
  const p = await startServerProcess({ advertise: 'local' })
  t.teardown(() => p.stop())
  const status = await (await fetch(`${p.url}__status`)).json() as { IPAddress: string, Port: number }
  t.equal(status.IPAddress, '127.0.0.1')
  t.equal(status.Port, p.port)
})
