// The package as a user installs it: packed (npm pack runs its prepare script, the build),
// installed from the tarball into a fresh project (npm ci, offline), then used from there:
// every export imported as ESM and through TypeScript (tsc on a user's file, the examples
// included), `npx pyme-cluster --help` and a short demo, the examples run, a server stopped
// through npx, and every link of the shipped docs and --help followed. Catches a missing
// `files` entry, a broken `exports` map, types that do not resolve, and a `bin` that works
// only inside the repository.
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { brokenLinks, helpPaths, markdownLinks, type DocLink } from './doc-links.js'
import { installProject, packRepository, type PackResult } from './packed-project.js'

t.setTimeout(900_000) // packing builds dist/ (tsc) and tsc runs three times more: minutes under load

const exec = promisify(execFile)
const repo = fileURLToPath(new URL('../..', import.meta.url))
const work = await mkdtemp(join(tmpdir(), 'pyme-packed-'))
t.teardown(() => rm(work, { recursive: true, force: true }))
const project = join(work, 'project')
const installed = join(project, 'node_modules', 'pyme-cluster')
// A user's environment: no cluster settings of ours, temporary files (registries) in the project.
const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: join(work, 'tmp') }
for (const k of ['PYME_CLUSTER', 'PYME_CLUSTER_SERVERS', 'TS_NODE_TRANSPILE_ONLY', 'NODE_OPTIONS']) delete env[k]

async function inProject (file: string, args: readonly string[], timeout = 180_000): Promise<{ stdout: string, stderr: string }> {
  return await exec(file, args, { cwd: project, env, timeout, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' })
}
const node = async (args: readonly string[]): Promise<{ stdout: string, stderr: string }> => await inProject(process.execPath, args)
const tsc = async (args: readonly string[]): Promise<{ stdout: string, stderr: string }> => await node([join(project, 'node_modules/typescript/bin/tsc'), ...args])

let pack: PackResult

t.before(async () => {
  await mkdir(join(work, 'tmp'))
  pack = await packRepository(repo, work)
  await installProject(repo, project, pack)
})

t.test('npm pack ships dist/, bin/, README, LICENSE, CHANGELOG, docs/ and examples/, and nothing else', async (t) => {
  const top = [...new Set(pack.files.map((f) => f.split('/')[0]))].sort()
  t.same(top, ['CHANGELOG.md', 'LICENSE', 'README.md', 'bin', 'dist', 'docs', 'examples', 'package.json'])
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/pzf/index.js', 'dist/pzf/index.d.ts', 'dist/server/index.js', 'dist/server/index.d.ts',
    'dist/discovery/index.js', 'dist/discovery/index.d.ts', 'dist/cli/run-cli.js', 'dist/pzf/pzf-worker.js', 'bin/pyme-cluster.js', 'docs/errors.md']) {
    t.ok(pack.files.includes(f), f)
  }
  t.same(pack.files.filter((f) => /fixtures|\.test\.|(^|\/)test\//.test(f)), [], 'no tests, no fixtures')
  t.same(pack.files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('examples/')), [], 'no TypeScript sources but the examples')
  const license = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')).license as string
  t.match(await readFile(join(installed, 'LICENSE'), 'utf8'), new RegExp(`^${license} License`), 'LICENSE matches package.json')
})

t.test('every link of README, docs/ and --help leads to a file in the package', async (t) => {
  const links: DocLink[] = []
  for (const f of pack.files.filter((f) => f.endsWith('.md'))) links.push(...markdownLinks(await readFile(join(installed, f), 'utf8'), f))
  t.ok(links.length > 50, `${links.length} relative links`)
  const { stdout: overview } = await inProject('npx', ['pyme-cluster', '--help'])
  links.push(...helpPaths(overview, 'pyme-cluster --help'))
  for (const command of [...overview.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1] as string)) {
    links.push(...helpPaths((await node([join(installed, 'bin/pyme-cluster.js'), command, '--help'])).stdout, `pyme-cluster ${command} --help`))
  }
  t.ok(links.some((l) => l.from.endsWith('--help')), 'the help names documentation')
  t.same(await brokenLinks(installed, pack.files, links), [])
})

t.test('every export imports as ESM, with the same names as the sources', async (t) => {
  const subpaths: Array<[string, string]> = [['pyme-cluster', 'lib/index.ts'], ['pyme-cluster/pzf', 'lib/pzf/index.ts'], ['pyme-cluster/server', 'lib/server/index.ts'], ['pyme-cluster/discovery', 'lib/discovery/index.ts']]
  for (const [name, source] of subpaths) {
    const { stdout } = await node(['--input-type=module', '-e', `console.log(JSON.stringify(Object.keys(await import(${JSON.stringify(name)})).sort()))`])
    const expected = Object.keys(await import(join(repo, source))).sort()
    t.same(JSON.parse(stdout), expected, name)
  }
  const { stdout } = await node(['--input-type=module', '-e', "console.log((await import('pyme-cluster/package.json', { with: { type: 'json' } })).default.name)"])
  t.equal(stdout.trim(), 'pyme-cluster')
  if (process.features.require_module === true) {
    const cjs = await node(['--input-type=commonjs', '-e', "console.log(typeof require('pyme-cluster').ClusterBackend, typeof require('pyme-cluster/server').startDataServer)"])
    t.equal(cjs.stdout.trim(), 'function function', 'require(esm) from CommonJS')
  }
})

t.test('TypeScript: a user file and the examples compile against the installed types and run', async (t) => {
  const src = join(project, 'src')
  await mkdir(src, { recursive: true })
  await copyFile(fileURLToPath(new URL('./uses-every-export.ts', import.meta.url)), join(src, 'uses-every-export.ts'))
  const examples = (await readdir(join(installed, 'examples'))).filter((f) => f.endsWith('.ts'))
  for (const f of examples) await copyFile(join(installed, 'examples', f), join(src, f))
  // What README's "Use it in your project" says: nodenext works (and bundler), node10 does not.
  await writeFile(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, outDir: 'out', rootDir: 'src', types: ['node'], skipLibCheck: false },
    include: ['src']
  }, null, 2))
  await tsc(['-p', '.'])
  await tsc(['-p', '.', '--noEmit', '--module', 'preserve', '--moduleResolution', 'bundler'])
  const old = await tsc(['-p', '.', '--noEmit', '--module', 'commonjs', '--moduleResolution', 'node10', '--ignoreDeprecations', '5.0']).then(() => '', (err: { stdout: string }) => err.stdout)
  t.match(old, /error TS2307: Cannot find module 'pyme-cluster'/, 'node10 resolution fails, as the README says')

  const { stdout } = await node([join(project, 'out/uses-every-export.js')])
  t.same(JSON.parse(stdout), { frames: 5, complete: true, readerFrames: 5, pixel: 4, pzf: 7, known: 1, statuses: [true], address: 'http://127.0.0.1:15348/', pool: 3 })
})

t.test('the examples run with the package installed', async (t) => {
  const out = join(project, 'out')
  t.match((await node([join(out, 'acquisition-loop.js')])).stdout, /^PYME-CLUSTER:\/\/\/examples\/acquisition-\d+\.pcs: 200 frames, 104\.9 MB of pixels in [\d.]+ MB of files, complete true, on 1 server\(s\)$/m)
  t.match((await node([join(out, 'read-series.js')])).stdout, /summed: 300$/m)
  t.match((await node([join(out, 'custom-distribution.js')])).stdout, /re-routed \d+, frames 100/)
  t.match((await node([join(out, 'cluster-by-name.js')])).stdout, /^PYME-CLUSTER:\/\/example-lab\/examples\/by-name-\d+\.pcs: 10 frames$/m)
  const children = (await node([join(out, 'servers-as-children.js')])).stdout
  t.equal([...children.matchAll(/^server pid \d+ stopped, exit code 0$/gm)].length, 2, children)
  const curl = existsSync('/usr/bin/curl') || existsSync('/bin/curl')
  if (curl) t.match((await inProject('sh', [join(installed, 'examples/upload-with-curl.sh')])).stdout, /again: 405\n/)
})

t.test('npx pyme-cluster: --help, and a short demo that verifies every frame', async (t) => {
  const { stdout } = await inProject('npx', ['pyme-cluster', '--help'])
  t.match(stdout, /^Usage: pyme-cluster <command>/)
  const demo = await inProject('npx', ['pyme-cluster', 'demo', '--frames', '20', '--width', '256', '--height', '256', '--rate', 'max'])
  t.match(demo.stdout, /^verified {2}20 of 20 frames bit for bit /m, demo.stdout)
  t.match(demo.stdout, /^lost 0, differing 0, dropped 0, failed 0$/m)
})

t.test('npx pyme-cluster serve: SIGTERM to npx stops the server, no orphan', async (t) => {
  const root = join(work, 'npx-root')
  const child = spawn('npx', ['pyme-cluster', 'serve', '--json', '--root', root, '--port', '0', '--advertise', 'none'], { cwd: project, env, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  const ended = new Promise<void>((resolve) => child.stdout.once('end', resolve))
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => { if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n'))) })
    child.once('exit', (code) => reject(new Error(`npx exited ${String(code)} before the server was ready`)))
  })
  const ready = JSON.parse(line) as { url: string, port: number, root: string, pid: number }
  t.teardown(() => { try { process.kill(ready.pid, 'SIGKILL') } catch { /* gone */ } })
  t.match(ready, { url: `http://127.0.0.1:${ready.port}/`, root })
  t.equal((await fetch(`${ready.url}__status`)).status, 200)
  child.kill('SIGTERM')
  await ended // every process holding the pipe has exited: npx, its shell and the server
  t.same(out.trim().split('\n').map((l) => (JSON.parse(l) as { event: string }).event), ['ready', 'stopped'])
  await t.rejects(fetch(`${ready.url}__status`), 'the server is gone')
})
