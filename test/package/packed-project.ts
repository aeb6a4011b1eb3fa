/**
 * The package as a user gets it: `npm pack` of a copy of this repository (its `prepare` builds
 * dist/ there, as on a publisher's machine), then `npm ci` of the tarball into a fresh project,
 * offline. The project's lock file is derived from this repository's: it pins the very versions
 * and integrity hashes `npm ci` put into the local npm cache, so nothing is fetched (a test may
 * not use the network) and `npm install`'s registry look-ups are not needed.
 *
 * Install scripts are skipped: better-sqlite3's would download or compile its addon. The addon
 * this repository's `npm ci` built (for the Node that runs the tests) is copied in instead.
 */
import { execFile } from 'node:child_process'
import { copyFile, cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Paths of the repository never copied for packing (installed, generated or local state). */
const NOT_COPIED = new Set(['node_modules', '.git', 'dist', '.tap', 'coverage', '.nyc_output'])

/** What `npm pack --json` says about the tarball. */
export interface PackResult {
  readonly filename: string
  readonly integrity: string
  readonly files: readonly string[]
}

/** Packs a copy of `repo` into `dir` (its prepare script builds dist/ in the copy, not in `repo`). */
export async function packRepository (repo: string, dir: string): Promise<PackResult> {
  const src = join(dir, 'src')
  await cp(repo, src, {
    recursive: true,
    filter: (path) => !NOT_COPIED.has(relative(repo, path).split(sep)[0] ?? '')
  })
  await symlink(join(repo, 'node_modules'), join(src, 'node_modules'), 'dir')
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: src, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 })
  const [result] = JSON.parse(stdout) as Array<{ filename: string, integrity: string, files: Array<{ path: string }> }>
  if (result === undefined) throw new Error(`npm pack printed no result: ${stdout}`)
  return { filename: join(dir, result.filename), integrity: result.integrity, files: result.files.map((f) => f.path).sort() }
}

interface LockEntry {
  readonly version: string
  readonly dependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
  readonly [key: string]: unknown
}

/** Where node would find `name` from the package at lock path `from` (nested node_modules first). */
function locate (packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from
  for (;;) {
    const key = `${base === '' ? '' : `${base}/`}node_modules/${name}`
    if (packages[key] !== undefined) return key
    if (base === '') return undefined
    const i = base.lastIndexOf('/node_modules/')
    base = i < 0 ? '' : base.slice(0, i)
  }
}

/**
 * A fresh project in `dir` that depends on the tarball (and on TypeScript and @types/node, as a
 * TypeScript user's does), installed offline with `npm ci`.
 */
export async function installProject (repo: string, dir: string, pack: PackResult): Promise<void> {
  const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { version: string, license: string, dependencies: Record<string, string>, engines: Record<string, string>, bin: Record<string, string> }
  const lock = JSON.parse(await readFile(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }
  const packages = lock.packages
  const tarball = 'pyme-cluster.tgz'
  await mkdir(dir, { recursive: true })
  await copyFile(pack.filename, join(dir, tarball))
  const dev: Record<string, string> = {}
  for (const name of ['typescript', '@types/node']) dev[name] = (packages[`node_modules/${name}`] as LockEntry).version
  const picked: Record<string, LockEntry> = {}
  const walk = (key: string): void => {
    if (picked[key] !== undefined) return
    const entry = packages[key] as LockEntry
    picked[key] = entry
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const found = locate(packages, key, name)
      if (found !== undefined) walk(found)
    }
  }
  for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(dev)]) {
    const found = locate(packages, '', name)
    if (found === undefined) throw new Error(`${name} is not in package-lock.json`)
    walk(found)
  }
  const root = { name: 'pyme-cluster-user', version: '1.0.0', dependencies: { 'pyme-cluster': `file:${tarball}` }, devDependencies: dev }
  const self = { version: pkg.version, resolved: `file:${tarball}`, integrity: pack.integrity, license: pkg.license, dependencies: pkg.dependencies, engines: pkg.engines, bin: Object.fromEntries(Object.entries(pkg.bin).map(([k, v]) => [k, v.replace(/^\.\//, '')])) }
  await writeFile(join(dir, 'package.json'), JSON.stringify({ ...root, private: true, type: 'module' }, null, 2))
  await writeFile(join(dir, 'package-lock.json'), JSON.stringify({
    name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages: { '': root, 'node_modules/pyme-cluster': self, ...picked }
  }, null, 2))
  await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, timeout: 300_000 })
  const addon = join('node_modules', 'better-sqlite3', 'build', 'Release')
  await mkdir(join(dir, addon), { recursive: true })
  await copyFile(join(repo, addon, 'better_sqlite3.node'), join(dir, addon, 'better_sqlite3.node'))
}
