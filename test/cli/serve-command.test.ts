// `pyme-cluster serve` and `cluster-of-one`, in-process through main() with an
// AbortController, and once as a real child process through bin/pyme-cluster.js when
// dist/ is built.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { main } from '../../lib/cli/main.js'
import type { CliIo } from '../../lib/cli/command.js'
import { SqliteRegistry } from '../../lib/internal/sqlite-registry.js'

interface RunningCli {
  readonly io: CliIo
  readonly abort: () => void
  readonly out: () => string
  readonly err: () => string
  /** Resolves with the first stdout line that matches. */
  readonly line: (re: RegExp) => Promise<string>
}

function cli (env: NodeJS.ProcessEnv = {}): RunningCli {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const ac = new AbortController()
  let o = ''
  let e = ''
  const waiters: Array<() => void> = []
  stdout.on('data', (c: Buffer) => { o += c.toString(); for (const w of waiters.splice(0)) w() })
  stderr.on('data', (c: Buffer) => { e += c.toString() })
  const line = async (re: RegExp): Promise<string> => {
    for (let i = 0; i < 1000; i++) {
      const found = o.split('\n').find((l) => re.test(l))
      if (found !== undefined) return found
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
    throw new Error('no such line')
  }
  return { io: { stdout, stderr, env, signal: ac.signal }, abort: () => ac.abort(), out: () => o, err: () => e, line }
}

async function tempDir (t: Test): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pyme-serve-cli-'))
  t.teardown(() => rm(d, { recursive: true, force: true }))
  return d
}

t.test('serve --help and cluster-of-one --help print their usage', async (t) => {
  for (const name of ['serve', 'cluster-of-one']) {
    const c = cli()
    t.equal(await main([name, '--help'], c.io), 0)
    t.match(c.out(), new RegExp(`Usage: pyme-cluster ${name}`))
  }
  const overview = cli()
  await main(['--help'], overview.io)
  t.match(overview.out(), /serve .*data server/)
  t.match(overview.out(), /cluster-of-one/)
})

t.test('serve: starts, serves, logs one line per start and stop, stops on abort', async (t) => {
  const dir = await tempDir(t)
  const c = cli({ PYME_COMPUTERNAME: 'clihost' })
  const exit = main(['serve', '--root', join(dir, 'root'), '--port', '0', '--advertise', 'none', '--cluster', 'clitest', '--sync-commit', 'off'], c.io)
  const started = await c.line(/listening on/)
  t.match(started, /^pyme-cluster serve: listening on http:\/\/127\.0\.0\.1:\d+\/ .*root .*root, cluster 'clitest', not advertised$/)
  const url = /(http:\/\/\S+\/)/.exec(started)?.[1] ?? ''
  t.equal((await fetch(`${url}x/y.txt`, { method: 'PUT', body: 'via cli' })).status, 200)
  t.equal(await readFile(join(dir, 'root/x/y.txt'), 'utf8'), 'via cli')
  c.abort()
  t.equal(await exit, 0)
  t.match(c.out(), /pyme-cluster serve: stopped \(http:\/\/127\.0\.0\.1:\d+\/, root .*\)\n$/)
  t.equal(c.out().trim().split('\n').length, 2, 'exactly two log lines')
  await t.rejects(fetch(`${url}x/y.txt`), 'closed')
})

t.test('serve: bad options are usage errors (exit 2)', async (t) => {
  for (const args of [['--advertise', 'zeroconf'], ['--port', 'http'], ['--port', '70000'], ['--max-body', '-1'], ['--cluster', 'a.b'], ['--bogus'], ['--sync-commit', 'yes']]) {
    const c = cli()
    t.equal(await main(['serve', '--root', '/tmp/never-created-pyme', ...args], c.io), 2, args.join(' '))
    t.match(c.err(), /pyme-cluster: /)
  }
})

t.test('serve --advertise local and cluster-of-one: registered in the given registry, removed on stop', async (t) => {
  const dir = await tempDir(t)
  const registry = join(dir, '_pyme-http.sqlite')
  for (const args of [['serve', '--advertise', 'local', '--port', '0'], ['cluster-of-one']]) {
    const c = cli({ PYME_COMPUTERNAME: 'clihost' })
    const exit = main([...args, '--root', join(dir, args[0] as string), '--registry', registry, '--cluster', 'one'], c.io)
    const started = await c.line(/listening on/)
    t.match(started, /advertised \(local\) as 'PYMEDataServer \[one\]:clihost - PID:\d+' at 127\.0\.0\.1:\d+/)
    const rows = new SqliteRegistry({ path: registry }).list()
    t.equal(rows.length, 1)
    t.equal(rows[0]?.address, '127.0.0.1')
    const url = /(http:\/\/\S+\/)/.exec(started)?.[1] ?? ''
    t.equal(url, `http://127.0.0.1:${rows[0]?.port ?? 0}/`)
    c.abort()
    t.equal(await exit, 0)
    t.same(new SqliteRegistry({ path: registry }).list(), [], `${args[0] ?? ''}: registration removed`)
  }
  const c = cli()
  t.equal(await main(['cluster-of-one', '--port', 'x'], c.io), 2)
})

t.test('an abort before start returns at once', async (t) => {
  const c = cli()
  c.abort()
  t.equal(await main(['serve', '--root', '/tmp/never-created-pyme', '--advertise', 'none'], c.io), 130)
})

const bin = fileURLToPath(new URL('../../bin/pyme-cluster.js', import.meta.url))
const built = existsSync(fileURLToPath(new URL('../../dist/cli/serve-command.js', import.meta.url)))

t.test('a real process through bin/pyme-cluster.js stops cleanly on SIGTERM', { skip: built ? false : 'dist/ is not built (npm run build)' }, async (t) => {
  const dir = await tempDir(t)
  const child = spawn(process.execPath, [bin, 'serve', '--root', join(dir, 'root'), '--port', '0', '--advertise', 'local'], {
    env: { ...process.env, TMPDIR: dir, PYME_COMPUTERNAME: 'binhost' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let out = ''
  const started = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
      if (out.includes('\n')) resolve(out)
    })
    child.once('exit', (code) => reject(new Error(`exited ${code ?? ''} early`)))
  })
  const url = /(http:\/\/\S+\/)/.exec(started)?.[1] ?? ''
  t.equal((await fetch(`${url}__status`)).status, 200)
  t.equal(new SqliteRegistry({ path: join(dir, '_pyme-http.sqlite') }).list().length, 1, 'registered under the child TMPDIR')
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  t.equal(await exited, 0)
  t.match(out, /stopped/)
  t.same(new SqliteRegistry({ path: join(dir, '_pyme-http.sqlite') }).list(), [])
})

t.test('serve --sync-commit on and --fsync: uploads stored either way', async (t) => {
  for (const args of [['--sync-commit', 'on'], ['--fsync']]) {
    const dir = await tempDir(t)
    const c = cli()
    const exit = main(['serve', '--root', join(dir, 'root'), '--port', '0', '--advertise', 'none', ...args], c.io)
    const url = /(http:\/\/\S+\/)/.exec(await c.line(/listening on/))?.[1] ?? ''
    t.equal((await fetch(`${url}s/f.txt`, { method: 'PUT', body: args.join(' ') })).status, 200, args.join(' '))
    t.equal(await readFile(join(dir, 'root/s/f.txt'), 'utf8'), args.join(' '))
    c.abort()
    t.equal(await exit, 0)
  }
})
