import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { RequestMessage } from '../../lib/server/data-server.js'
import { startDataServers } from '../helpers/data-servers.js'
import { putBehindClient } from '../cluster/cluster-helpers.js'
import { captureIo, cli } from './cluster-cli-helpers.js'

async function tempDir (t: Test): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pyme-cli-'))
  t.teardown(() => rm(d, { recursive: true, force: true }))
  return d
}

t.test('put then get round trip; progress summary for large files; write-once', async (t) => {
  const servers = await startDataServers(t, 2)
  const run = cli(t, servers)
  const dir = await tempDir(t)
  const big = Buffer.alloc(9 * 1024 * 1024)
  for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff
  await writeFile(join(dir, 'big.bin'), big)
  await writeFile(join(dir, 'small.txt'), 'small')

  let r = await run(['put', join(dir, 'big.bin'), 'cli/data/'])
  t.equal(r.code, 0)
  t.match(r.out, /^PYME-CLUSTER:\/\/clic\/cli\/data\/big\.bin {2}9\.00 MiB {2}on http:\/\/127\.0\.0\.1:\d+\/\n$/)
  t.match(r.err, /^put cli\/data\/big\.bin: 9\.00 MiB in \d+\.\d\d s, [\d.]+ \S+\/s\n$/, 'one summary line when stderr is not a terminal')
  r = await run(['put', '--json', '-q', join(dir, 'small.txt'), 'PYME-CLUSTER://clic/cli/data/small.txt'])
  t.match(JSON.parse(r.out), { path: 'cli/data/small.txt', uri: 'PYME-CLUSTER://clic/cli/data/small.txt', size: 5 })
  t.equal(r.err, '')
  r = await run(['put', join(dir, 'small.txt'), 'cli/data/small.txt'])
  t.equal(r.code, 4, 'the name exists')
  t.match(r.err, /already exists in cluster 'clic'/)

  const out = join(dir, 'out')
  await mkdir(out)
  r = await run(['get', 'cli/data/big.bin', out])
  t.equal(r.code, 0)
  t.ok((await readFile(join(out, 'big.bin'))).equals(big), 'into a directory: same name')
  t.match(r.err, /^get cli\/data\/big\.bin: 9\.00 MiB in /)
  r = await run(['get', 'cli/data/big.bin', out])
  t.equal(r.code, 4, 'no silent overwrite')
  t.match(r.err, /exists \(use --force to replace it\)/)
  r = await run(['get', '-f', '-q', 'PYME-CLUSTER://clic/cli/data/small.txt', join(out, 'big.bin')])
  t.equal(r.code, 0)
  t.equal(await readFile(join(out, 'big.bin'), 'utf8'), 'small')
  r = await run(['get', 'cli/data/small.txt', '-'])
  t.equal(r.out, 'small', 'to stdout')
  t.same((await readdir(out)).filter((n) => n.includes('pyme-partial')), [], 'no partial files left')
  const cwd = process.cwd()
  process.chdir(out)
  t.teardown(() => process.chdir(cwd))
  r = await run(['get', 'cli/data/small.txt'])
  t.equal(r.code, 0)
  t.equal(await readFile(join(out, 'small.txt'), 'utf8'), 'small', 'default destination: the current directory')
})

t.test('a live progress line on a terminal', async (t) => {
  const servers = await startDataServers(t, 1)
  const run = cli(t, servers)
  await putBehindClient(servers[0]!, 'tty/big.bin', Buffer.alloc(12 * 1024 * 1024, 1))
  const io = captureIo({}, true)
  const r = await run(['get', 'tty/big.bin', '-'], io)
  t.equal(r.code, 0)
  t.equal(r.out.length, 12 * 1024 * 1024)
  t.match(r.err, /\rget tty\/big\.bin: .* \/ 12\.0 MiB \(\d+%\)\u001b\[K/)
  t.match(r.err, /\rget tty\/big\.bin: 12\.0 MiB in [\d.]+ s.*\u001b\[K\n$/)
})

t.test('get and put refuse what they cannot do', async (t) => {
  const servers = await startDataServers(t, 1)
  const run = cli(t, servers)
  const dir = await tempDir(t)
  let r = await run(['get', 'no/such.file', join(dir, 'x')])
  t.equal(r.code, 3)
  r = await run(['get', 'no/dir/'])
  t.equal(r.code, 2)
  r = await run(['get'])
  t.equal(r.code, 2)
  r = await run(['put', join(dir, 'missing.txt'), 'a/b'])
  t.equal(r.code, 2)
  t.match(r.err, /cannot read .*missing\.txt: ENOENT/)
  r = await run(['put', dir, 'a/b'])
  t.equal(r.code, 2)
  t.match(r.err, /is not a regular file/)
  await writeFile(join(dir, 'f'), 'x')
  r = await run(['put', join(dir, 'f'), 'bad name'])
  t.equal(r.code, 2)
  t.match(r.err, /PYME_ERR_INVALID_NAME/)
  r = await run(['put', join(dir, 'f')])
  t.equal(r.code, 2)
  r = await run(['put', '--server', 'http://127.0.0.1:1/', join(dir, 'f'), 'a/f'])
  t.equal(r.code, 2)
  t.match(r.err, /invalid server: http:\/\/127\.0\.0\.1:1\/ is not one of the live servers \(cluster 'clic'\)/)
  r = await run(['put', '--server', '127.0.0.1:x', join(dir, 'f'), 'a/f'])
  t.equal(r.code, 2)
  t.match(r.err, /invalid --server: '127\.0\.0\.1:x' has an invalid port/)
  // Our temporary name is taken (by someone else): refused, their file left alone.
  await putBehindClient(servers[0]!, 'tmpx/f', 'x')
  const taken = join(dir, `.g.pyme-partial-${process.pid}`)
  await writeFile(taken, 'not ours')
  r = await run(['get', 'tmpx/f', join(dir, 'g')])
  t.equal(r.code, 1)
  t.match(r.err, /EEXIST/)
  t.equal(await readFile(taken, 'utf8'), 'not ours')
  await rm(taken)
  // A destination directory we cannot write into: the error is reported, nothing is left.
  await putBehindClient(servers[0]!, 'ro/f', 'x')
  const ro = join(dir, 'ro')
  await mkdir(ro)
  await chmod(ro, 0o500)
  r = await run(['get', 'ro/f', join(ro, 'f')])
  if (process.getuid?.() === 0) t.equal(r.code, 0, 'root writes anyway')
  else t.equal(r.code, 1)
})

/** Resolves when a data server of this process has settled a request matching `pred`. */
function afterRequest (pred: (m: RequestMessage) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const on = (m: unknown): void => {
      if (!pred(m as RequestMessage)) return
      unsubscribe('pyme:server:request', on)
      resolve()
    }
    subscribe('pyme:server:request', on)
  })
}

t.test('an interrupt stops get and put cleanly', async (t) => {
  const [slow] = await startDataServers(t, 1, { testDelayMs: 300 })
  const run = cli(t, [slow!])
  const dir = await tempDir(t)
  await putBehindClient(slow!, 'int/f.bin', Buffer.alloc(1000))
  const io = captureIo()
  // Each request waits 300 ms at the server. The get lists int/ first: once the server has
  // answered that (its pyme:server:request message), the get is reading the file.
  const listed = afterRequest((m) => m.method === 'GET' && m.url === '/int/')
  const pending = run(['get', 'int/f.bin', join(dir, 'f.bin')], io)
  await listed
  io.abort.abort()
  const r = await pending
  t.equal(r.code, 130)
  t.match(r.err, /pyme-cluster: interrupted\n/)
  t.same(await readdir(dir), [], 'no file, no partial file')
  await writeFile(join(dir, 'up.bin'), Buffer.alloc(1000))
  const io2 = captureIo()
  // The put lists int/ (the name must be new), then uploads, which the server holds 300 ms:
  // abort once the listing is answered, while the upload waits.
  const listed2 = afterRequest((m) => m.method === 'GET' && m.url === '/int/')
  const pending2 = run(['put', join(dir, 'up.bin'), 'int/up.bin'], io2)
  await listed2
  io2.abort.abort()
  const r2 = await pending2
  t.equal(r2.code, 130)
  t.match(r2.err, /pyme-cluster: interrupted\n/)
  const io3 = captureIo()
  const pending3 = run(['ls', 'int'], io3)
  io3.abort.abort()
  t.equal((await pending3).code, 130, 'interrupted while connecting')
})
