// `pyme-cluster serve` and `cluster-of-one`, in-process through main() with an
// AbortController, and as real processes (lib/cli/run-cli.ts, as bin/pyme-cluster.js runs it)
// stopped by signals, directly and below a shell as under npx.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
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

// The process as bin/pyme-cluster.js runs it (lib/cli/run-cli.ts), from the sources.
const entry = fileURLToPath(new URL('../helpers/cli-process.ts', import.meta.url))
const nodeArgs = ['--import=@tapjs/typescript/import', entry]

interface ServeProcess {
  readonly child: ChildProcess
  /** The --json ready line. */
  readonly ready: { event: string, url: string, port: number, root: string, pid: number }
  /** Everything the process printed, once its stdout has ended (every writer gone). */
  readonly ended: Promise<string>
}

/** Starts `pyme-cluster serve --json` (through `via`, e.g. a shell) and waits for the ready line. */
async function serveProcess (t: Test, dir: string, via: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const argv = [...nodeArgs, 'serve', '--json', '--root', join(dir, 'root'), '--port', '0', '--advertise', 'local']
  const [cmd, ...args] = via.length === 0 ? [process.execPath, ...argv] : [...via, process.execPath, ...argv]
  const child = spawn(cmd as string, args, {
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TMPDIR: dir, PYME_COMPUTERNAME: 'binhost', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout!.on('data', (c: Buffer) => { out += c.toString() })
  const ended = new Promise<string>((resolve) => child.stdout!.once('end', () => resolve(out)))
  const line = await new Promise<string>((resolve, reject) => {
    const onData = (): void => { if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n'))) }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`exited ${String(code)} before it was ready`)))
  })
  const ready = JSON.parse(line) as ServeProcess['ready']
  t.teardown(() => { try { process.kill(ready.pid, 'SIGKILL') } catch { /* gone, as it should be */ } })
  return { child, ready, ended }
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`a real serve process prints one JSON ready line and stops cleanly on ${signal}`, async (t) => {
    const dir = await tempDir(t)
    const { child, ready, ended } = await serveProcess(t, dir)
    t.match(ready, { event: 'ready', url: `http://127.0.0.1:${ready.port}/`, root: join(dir, 'root'), pid: child.pid })
    t.ok(ready.port > 0, 'the port chosen for --port 0')
    t.equal((await fetch(`${ready.url}__status`)).status, 200)
    t.equal(new SqliteRegistry({ path: join(dir, '_pyme-http.sqlite') }).list().length, 1, 'registered under the child TMPDIR')
    const exited = once(child, 'exit')
    child.kill(signal)
    t.same(await exited, [0, null], 'exit code 0')
    const lines = (await ended).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    t.same(lines.map((l) => l['event']), ['ready', 'stopped'])
    t.same(new SqliteRegistry({ path: join(dir, '_pyme-http.sqlite') }).list(), [], 'advertisement withdrawn')
    await t.rejects(fetch(`${ready.url}__status`), 'no longer serving')
  })
}

t.test('started by npm below a shell (npx, npm run): stops when the SIGTERM of npm kills that shell', async (t) => {
  // npm exec runs `sh -c '<bin> …'`; on SIGTERM npm signals that shell, which dies without
  // passing the signal on. The server must notice and stop rather than serve on as an orphan.
  const dir = await tempDir(t)
  const { child, ready, ended } = await serveProcess(t, dir, ['sh', '-c', '"$0" "$@"'], { npm_lifecycle_event: 'npx' })
  t.not(ready.pid, child.pid, 'the server runs below the shell, as under npx')
  child.kill('SIGTERM')
  // stdout ends only when every process holding it has exited: the shell and the server.
  const lines = (await ended).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  t.same(lines.map((l) => l['event']), ['ready', 'stopped'], 'the server shut down cleanly')
  t.same(new SqliteRegistry({ path: join(dir, '_pyme-http.sqlite') }).list(), [])
  // Gone, or a zombie waiting for an init that does not reap (as in some containers): exited either way.
  const state = await readFile(`/proc/${ready.pid}/stat`, 'utf8').then((s) => s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3), () => 'gone')
  t.ok(state === 'gone' || state === 'Z', `no orphan left (process state: ${state})`)
})

t.test('serve --json in-process: the ready line carries url, port and root', async (t) => {
  const dir = await tempDir(t)
  const c = cli()
  const exit = main(['serve', '--json', '--root', join(dir, 'root'), '--port', '0', '--advertise', 'none', '--cluster', 'js'], c.io)
  const ready = JSON.parse(await c.line(/"event":"ready"/)) as Record<string, unknown>
  t.match(ready, { event: 'ready', url: /^http:\/\/127\.0\.0\.1:\d+\/$/, port: Number, root: join(dir, 'root'), cluster: 'js', advertise: 'none', pid: process.pid })
  c.abort()
  t.equal(await exit, 0)
  t.match(JSON.parse(c.out().trim().split('\n')[1] ?? '{}'), { event: 'stopped', url: ready['url'], root: join(dir, 'root') })
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
