/**
 * Runs every example in examples/ as a user would (its own process, the TypeScript loader),
 * against real data servers on loopback: given through PYME_CLUSTER_SERVERS, or started by
 * the example itself. The examples import `pyme-cluster` by name; here it resolves to the
 * sources (test/helpers/self-import.mjs), and test/package/ runs them again against the packed
 * and installed package. The examples must stay short (< 60 lines).
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { SeriesReader } from '../lib/series/series-reader.js'
import { startDataServers } from './helpers/data-servers.js'

const run = promisify(execFile)
const repo = fileURLToPath(new URL('..', import.meta.url))
const examples = join(repo, 'examples')
// The examples import 'pyme-cluster' as users do; here that name resolves to the sources.
const selfImport = new URL('./helpers/self-import.mjs', import.meta.url).href

async function env (t: Test, extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  const tmp = await mkdtemp(join(tmpdir(), 'pyme-examples-'))
  t.teardown(() => rm(tmp, { recursive: true, force: true }))
  const base: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, TS_NODE_TRANSPILE_ONLY: '1', ...extra }
  if (extra['PYME_CLUSTER_SERVERS'] === undefined) delete base['PYME_CLUSTER_SERVERS']
  delete base['PYME_CLUSTER']
  return base
}

async function example (name: string, environment: NodeJS.ProcessEnv, args: string[] = []): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import=@tapjs/typescript/import', `--import=${selfImport}`, join(examples, name), ...args], { cwd: repo, env: environment, timeout: 120_000 })
  return stdout
}

t.test('every example is short and tested here', async (t) => {
  const names = (await readdir(examples)).sort()
  t.same(names, ['acquisition-loop.ts', 'camera-ring.ts', 'cluster-by-name.ts', 'custom-distribution.ts', 'read-series.ts', 'servers-as-children.ts', 'upload-with-curl.sh'])
  for (const n of names) {
    const lines = (await readFile(join(examples, n), 'utf8')).split('\n').length
    t.ok(lines < 60, `${n}: ${lines} lines`)
  }
})

t.test('acquisition-loop', async (t) => {
  const [server] = await startDataServers(t, 1)
  const out = await example('acquisition-loop.ts', await env(t, { PYME_CLUSTER_SERVERS: server!.url }))
  const m = /^PYME-CLUSTER:\/\/\/(examples\/acquisition-\d+\.pcs): 200 frames, 104\.9 MB of pixels in [\d.]+ MB of files, complete true, on 1 server\(s\)$/m.exec(out)
  t.ok(m, out)
  const folder = join(server!.root, m?.[1] ?? '')
  t.equal((await readdir(folder)).filter((f) => f.endsWith('.pzf')).length, 200)
  const reader = await SeriesReader.open(folder)
  t.equal(reader.isComplete, true)
  t.equal(reader.frameCount, 200)
  t.same((await reader.events()).map((e) => e.name), ['StartAq', 'StopAq'])
  t.equal(reader.metadata.get('voxelsize.x'), 0.108)
  await reader.close()
})

t.test('camera-ring: lent raw frames, no copy, every buffer given back', async (t) => {
  const [server] = await startDataServers(t, 1)
  const out = await example('camera-ring.ts', await env(t, { PYME_CLUSTER_SERVERS: server!.url }))
  const m = /^PYME-CLUSTER:\/\/\/(examples\/ring-\d+\.pcs): 300 frames, complete true, buffers given back 300, frame buffers of the backend's own 0$/m.exec(out)
  t.ok(m, out)
  const reader = await SeriesReader.open(join(server!.root, m?.[1] ?? ''))
  t.equal(reader.frameCount, 300)
  const f = await reader.getFrame(299)
  t.equal((f.data as Uint16Array)[64], 100 + ((64 + 299) % 50), 'the last frame as the camera wrote it')
  await reader.close()
})

t.test('read-series with its own server', async (t) => {
  const out = await example('read-series.ts', await env(t))
  t.match(out, /^PYME-CLUSTER:\/\/\/examples\/to-read\.pcs: 25 frames, complete true/m)
  t.match(out, /event ProtocolFocus '12, 3\.5'/)
  t.match(out, /summed: 300$/m, 'frame n is filled with n: 0 + 1 + ... + 24')
})

t.test('custom-distribution over two servers', async (t) => {
  const servers = await startDataServers(t, 2)
  const out = await example('custom-distribution.ts', await env(t, { PYME_CLUSTER_SERVERS: servers.map((s) => s.url).join(' ') }))
  const counts = [...out.matchAll(/^http:\/\/127\.0\.0\.1:\d+\/: (\d+) files$/gm)].map((x) => Number(x[1]))
  t.equal(counts.length, 2)
  t.equal(counts.reduce((a, b) => a + b, 0), 106, '100 frames; metadata.json, final_metadata.json, events.json on each')
  t.match(out, /re-routed \d+, frames 100/)
  for (const s of servers) t.ok((await readdir(join(s.root, 'examples'))).length > 0, 'both servers hold part of the series')
})

t.test('cluster-by-name through its own registry', async (t) => {
  const out = await example('cluster-by-name.ts', await env(t))
  t.match(out, /^cluster 'example-lab': PYMEDataServer \[example-lab\]:\S+ - PID:\d+ at http:\/\/127\.0\.0\.1:\d+\/$/m)
  t.match(out, /^PYME-CLUSTER:\/\/example-lab\/examples\/by-name-\d+\.pcs: 10 frames$/m)
  t.match(out, /^examples\/: by-name-\d+\.pcs\/$/m)
})

// The example starts bin/pyme-cluster.js, which runs the build (npm ci builds it).
const built = existsSync(join(repo, 'dist', 'cli', 'run-cli.js'))

t.test('servers-as-children', { skip: built ? false : 'dist/ is not built (npm run build)' }, async (t) => {
  const out = await example('servers-as-children.ts', await env(t))
  t.equal([...out.matchAll(/^node[01]: ready at http:\/\/127\.0\.0\.1:\d+\/ \(pid \d+, root .*node[01]\)$/gm)].length, 2, out)
  t.match(out, /^PYME-CLUSTER:\/\/\/examples\/children-\d+\.pcs: 100 frames, complete true$/m)
  t.equal([...out.matchAll(/^server pid \d+ stopped, exit code 0$/gm)].length, 2, 'both stopped cleanly by SIGTERM')
})

t.test('upload-with-curl.sh', { skip: existsSync('/usr/bin/curl') || existsSync('/bin/curl') ? false : 'curl is not installed' }, async (t) => {
  const [server] = await startDataServers(t, 1)
  const { stdout } = await run('sh', [join(examples, 'upload-with-curl.sh')], { cwd: repo, env: await env(t, { PYME_CLUSTER_SERVERS: server!.url.replace('http://', '') }), timeout: 60_000 })
  t.match(stdout, /: stored\n.*again: 405\nGET .*\/: \{"notes\.json":\[0,30\]\}\nGET .*notes\.json: \{"note": "uploaded with curl"\}\nGET __status: \d+ bytes of JSON/)
  const [dir] = await readdir(join(server!.root, 'examples'))
  t.same(await readdir(join(server!.root, 'examples', dir ?? '')), ['notes.json'])

  // Starting its own server needs the built CLI (npm ci builds it).
  if (built) {
    const own = await run('sh', [join(examples, 'upload-with-curl.sh')], { cwd: repo, env: await env(t), timeout: 60_000 })
    t.match(own.stdout, /again: 405/)
  }
})
