/**
 * `pyme-cluster console --servers …` as a real process (the CLI from the sources, as
 * bin/pyme-cluster.js runs it from dist/) against two data servers holding a real series: it
 * serves all three parts (the page at `/`, `/api/`, and `/dav/` with `<series>.tif` whose pixels
 * are the frames), and SIGTERM / SIGINT stop it cleanly (exit 0, 'stopped', the port closed).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { fetchRaw, frame, H, servers, W, writeSeries } from '../console/console-helpers.js'

const entry = fileURLToPath(new URL('../helpers/cli-process.ts', import.meta.url))
const pageBuilt = existsSync(fileURLToPath(new URL('../../dist/console-ui/index.html', import.meta.url)))

interface ConsoleProcess {
  readonly child: ChildProcess
  /** `http://127.0.0.1:port/` as printed. */
  readonly url: string
  /** Everything printed on stdout and stderr, once the process has exited. */
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }>
}

/** Starts `pyme-cluster console <args>` and waits for the lines saying where it listens. */
async function startConsoleProcess (t: Test, args: readonly string[]): Promise<ConsoleProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' }
  for (const k of ['PYME_CLUSTER', 'PYME_CLUSTER_SERVERS', 'npm_lifecycle_event']) delete env[k]
  const child = spawn(process.execPath, ['--import=@tapjs/typescript/import', entry, 'console', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (): void => {
      const m = /^ {2}WebDAV {3}(http:\/\/\S+\/)dav\/ /m.exec(stdout)
      if (m !== null) {
        child.stdout.off('data', onData)
        resolve(m[1] as string)
      }
    }
    child.stdout.on('data', onData)
    void exited.then((e) => reject(new Error(`console exited (${String(e.code ?? e.signal)}) before listening: ${e.stdout} ${e.stderr}`)))
  })
  return { child, url, exited }
}

t.test('console --servers: the page, the API and the WebDAV view with the TIFF; SIGTERM stops it', async (t) => {
  const nodes = await servers(t, 2)
  const urls = nodes.map((s) => s.url)
  await writeSeries(urls, 'proc/s.pcs', 6)
  const c = await startConsoleProcess(t, ['--servers', urls.join(','), '--cluster', 'proc', '--no-registry', '--port', '0', '--decode-threads', '1'])
  t.match(new URL(c.url).hostname, '127.0.0.1', 'loopback by default')

  const page = await fetchRaw(c.url)
  if (pageBuilt) {
    t.equal(page.status, 200, 'the page (dist/console-ui, built by npm run build)')
    t.match(page.headers['content-type'], /^text\/html/)
    t.match(page.body.toString(), /<script type="module" src="\/assets\/console\.js">/)
    t.match(page.headers['content-security-policy'], /script-src 'self'/)
    t.equal((await fetchRaw(`${c.url}assets/console.js`)).status, 200)
  } else {
    t.equal(page.status, 503, 'without a build, / says how to build the page')
    t.match(page.body.toString(), /npm run build/)
  }

  const nodesInfo = JSON.parse((await fetchRaw(`${c.url}api/nodes?fresh=1`)).body.toString()) as { nodes: Array<{ url: string, responsive: boolean }> }
  t.same(nodesInfo.nodes.map((n) => [n.url, n.responsive]).sort(), urls.map((u) => [u, true]).sort(), 'both data servers, up')
  const list = JSON.parse((await fetchRaw(`${c.url}api/list?path=proc`)).body.toString()) as { entries: Array<{ name: string, series: boolean, complete: boolean }> }
  t.match(list.entries, [{ name: 's.pcs', series: true, complete: true }])

  const propfind = await fetchRaw(`${c.url}dav/proc/`, { method: 'PROPFIND', headers: { Depth: '1' } })
  t.equal(propfind.status, 207)
  t.match(propfind.body.toString(), /<D:href>\/dav\/proc\/s\.pcs\.tif<\/D:href>/, 'the series as a TIFF beside its folder')
  const tif = await fetchRaw(`${c.url}dav/proc/s.pcs.tif`)
  t.equal(tif.status, 200)
  t.equal(tif.headers['content-type'], 'image/tiff')
  t.equal(tif.body.subarray(0, 4).toString('latin1'), 'II*\0', 'a little-endian classic TIFF')
  const dataOffset = tif.body.readUInt32LE(tif.body.readUInt32LE(4) + 2 + 12 * 7 + 8)
  for (let n = 0; n < 6; n++) {
    const at = dataOffset + n * W * H * 2
    t.same(tif.body.subarray(at, at + W * H * 2), Buffer.from(frame(n).buffer), `page ${n} holds frame ${n}`)
  }
  t.equal((await fetchRaw(`${c.url}dav/proc/new.txt`, { method: 'PUT', body: 'x' })).status, 405, 'read-only')

  c.child.kill('SIGTERM')
  const e = await c.exited
  t.equal(e.code, 0, 'exit code 0 after SIGTERM')
  t.match(e.stdout, /^pyme-cluster console: cluster 'proc' \(2 data servers\), read-only$/m)
  t.match(e.stdout, /^pyme-cluster console: stopped$/m)
  t.equal(e.stderr, '', 'nothing on stderr')
  await t.rejects(request(`${c.url}api/cluster`), 'the port is closed')
})

t.test('SIGINT (Ctrl-C) stops it as well; a token on loopback is honoured', async (t) => {
  const [node] = await servers(t, 1)
  const c = await startConsoleProcess(t, ['--servers', node!.url, '--no-registry', '--port', '0', '--token', 'loopback-token-1'])
  t.equal((await fetchRaw(`${c.url}api/cluster`)).status, 401)
  t.equal((await fetchRaw(`${c.url}api/cluster`, { headers: { Authorization: 'Bearer loopback-token-1' } })).status, 200)
  c.child.kill('SIGINT')
  const e = await c.exited
  t.equal(e.code, 0)
  t.match(e.stdout, /^ {2}token {4}loopback-token-1 /m, 'the token is printed')
  t.match(e.stdout, /stopped/)
})
