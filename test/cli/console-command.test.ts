/**
 * `pyme-cluster console` in-process: it prints where it listens, serves until interrupted, and
 * stops cleanly; on a non-loopback address it prints the token it requires; bad options are
 * usage errors.
 */
import { once } from 'node:events'
import t from 'tap'
import { request } from 'undici'
import { main } from '../../lib/cli/main.js'
import { startDataServers } from '../helpers/data-servers.js'
import { captureIo } from './cluster-cli-helpers.js'

/** Waits (on output events) until stdout matches; fails if the command ends first. */
async function untilOutput (io: ReturnType<typeof captureIo>, pattern: RegExp, running: Promise<number>): Promise<RegExpExecArray> {
  const ended = running.then((code) => { throw new Error(`console exited ${code}: ${io.out()} ${io.err()}`) })
  ended.catch(() => {})
  for (;;) {
    const m = pattern.exec(io.out())
    if (m !== null) return m
    await Promise.race([once(io.stdout, 'data'), ended])
  }
}

t.test('console serves until interrupted', async (t) => {
  const [server] = await startDataServers(t, 1)
  const io = captureIo()
  const running = main(['console', '--servers', server!.url, '--cluster', 'clic', '--no-registry', '--port', '0', '--decode-threads', '1', '--cache-mb', '16'], io)
  const [, url] = await untilOutput(io, /console {2}(http:\/\/\S+)/, running) as unknown as [string, string]
  t.match(io.out(), /cluster 'clic' \(1 data server\), read-only/)
  t.match(io.out(), /WebDAV {3}http:\/\/127\.0\.0\.1:\d+\/dav\//)
  t.notMatch(io.out(), /token/, 'no token on loopback')
  const res = await request(`${url}api/cluster`)
  t.equal(res.statusCode, 200)
  t.match(await res.body.json(), { cluster: 'clic' })
  io.abort.abort()
  t.equal(await running, 0)
  t.match(io.out(), /pyme-cluster console: stopped/)
})

t.test('a non-loopback address prints the token it needs', async (t) => {
  const [server] = await startDataServers(t, 1)
  const io = captureIo()
  const running = main(['console', '--servers', server!.url, '--no-registry', '--host', '0.0.0.0', '--port', '0'], io)
  const [, token] = await untilOutput(io, /token {4}(\S+)/, running) as unknown as [string, string]
  const [, port] = await untilOutput(io, /:(\d+)\/dav\//, running) as unknown as [string, string]
  t.equal((await request(`http://127.0.0.1:${port}/api/cluster`)).statusCode, 401)
  t.equal((await request(`http://127.0.0.1:${port}/api/cluster`, { headers: { authorization: `Bearer ${token}` } })).statusCode, 200)
  io.abort.abort()
  t.equal(await running, 0)
})

t.test('usage errors', async (t) => {
  const [server] = await startDataServers(t, 1)
  for (const args of [['--port', 'x'], ['--port', '70000'], ['--decode-threads', '0'], ['extra'], ['--token', 'short']]) {
    const io = captureIo()
    const code = await main(['console', '--servers', server!.url, '--no-registry', '--port', '0', ...args], io)
    t.equal(code, 2, args.join(' '))
    t.match(io.err(), /pyme-cluster: /)
  }
  const help = captureIo()
  t.equal(await main(['console', '--help'], help), 0)
  t.match(help.out(), /Usage: pyme-cluster console/)
  t.match(help.out(), /--token T/)
  const overview = captureIo()
  await main(['--help'], overview)
  t.match(overview.out(), /console +browser console and read-only WebDAV view/)
  const interrupted = captureIo()
  interrupted.abort.abort()
  t.equal(await main(['console', '--servers', server!.url, '--no-registry'], interrupted), 130)
})
