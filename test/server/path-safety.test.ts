// PROTOCOL.md §2.3: PYME's path translation (so names map to the same files), plus ours:
// nothing outside the root is ever read, listed, globbed or written, also through symlinks.
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { WireClient, streamerPut } from './pyme-wire-client.js'

t.test('.. and %2e%2e collapse inside the root, as in PYME', async (t) => {
  const s = await startDataServerForTest(t)
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  await c.write(Buffer.concat([
    streamerPut('../escape1.txt', 'dotdot1'),
    streamerPut('a/../b/escape2.txt', 'dotdot2'),
    streamerPut('%2e%2e/%2e%2e/escape3.txt', 'dotdot3'),
    streamerPut('qtest/file.txt?foo=bar', 'q'),
    streamerPut('qtest/with%20space.txt', 'sp'),
    streamerPut('/double//slash.txt', 'ds'),
    Buffer.from('GET /../../etc/hostname HTTP/1.1\r\n\r\n')
  ]))
  for (let i = 0; i < 6; i++) t.equal((await c.response()).status, 200)
  t.equal((await c.response()).status, 404, '/../../etc/hostname maps inside the root')
  t.same((await readdir(s.root)).sort(), ['b', 'double', 'escape1.txt', 'escape3.txt', 'qtest'])
  t.same((await readdir(join(s.root, 'qtest'))).sort(), ['file.txt', 'with space.txt'])
})

t.test('percent-encoded UTF-8 names are stored, listed and served under their Unicode name', async (t) => {
  const s = await startDataServerForTest(t)
  const name = encodeURIComponent('Ärger-µm.txt')
  t.equal((await fetch(`${s.url}uni/${name}`, { method: 'PUT', body: 'u' })).status, 200)
  t.same(await readdir(join(s.root, 'uni')), ['Ärger-µm.txt'])
  t.same(await (await fetch(`${s.url}uni/`)).json(), { 'Ärger-µm.txt': [0, 1] })
  t.equal(await (await fetch(`${s.url}uni/${name}`)).text(), 'u')
  const dir = await fetch(`${s.url}uni%2F`, { redirect: 'manual' })
  t.equal(dir.status, 301, 'a trailing %2F is not a trailing slash (as in PYME, it is checked before decoding)')
  t.equal(dir.headers.get('location'), '/uni/')
})

t.test('symlinks: followed inside the root, refused when they lead out (GET, listing, PUT, glob)', async (t) => {
  const s = await startDataServerForTest(t)
  const outside = await mkdtemp(join(tmpdir(), 'pyme-outside-'))
  t.teardown(() => rm(outside, { recursive: true, force: true }))
  await writeFile(join(outside, 'secret.txt'), 'secret')
  await mkdir(join(s.root, 'in/real'), { recursive: true })
  await writeFile(join(s.root, 'in/real/ok.txt'), 'fine')
  await symlink(outside, join(s.root, 'in/out'))
  await symlink(join(outside, 'secret.txt'), join(s.root, 'in/secret-link.txt'))
  await symlink(join(s.root, 'in/real'), join(s.root, 'in/alias'))
  await symlink(join(s.root, 'in/nowhere'), join(s.root, 'in/broken'))

  t.equal((await fetch(`${s.url}in/out/secret.txt`)).status, 403)
  t.equal((await fetch(`${s.url}in/secret-link.txt`)).status, 403)
  t.equal((await fetch(`${s.url}in/out/`)).status, 403)
  t.equal(await (await fetch(`${s.url}in/alias/ok.txt`)).text(), 'fine', 'a link inside the root is followed')
  t.same(await (await fetch(`${s.url}in/`)).json(), { 'alias/': [1, 1], 'real/': [1, 1] }, 'escaping and broken links are not listed')
  const put = await fetch(`${s.url}in/out/new.txt`, { method: 'PUT', body: 'x' })
  t.equal(put.status, 403)
  const deep = await fetch(`${s.url}in/out/sub/new.txt`, { method: 'PUT', body: 'x' })
  t.equal(deep.status, 403)
  t.same(await readdir(outside), ['secret.txt'], 'nothing written outside the root')
  t.equal((await fetch(`${s.url}in/alias/via-link.txt`, { method: 'PUT', body: 'y' })).status, 200)
  t.same((await readdir(join(s.root, 'in/real'))).sort(), ['ok.txt', 'via-link.txt'])
  t.equal((await fetch(`${s.url}in/broken/x.txt`, { method: 'PUT', body: 'x' })).status, 409)
  t.same(await (await fetch(`${s.url}__glob?pattern=in/*/*`)).json(), ['in/alias/ok.txt', 'in/alias/via-link.txt', 'in/real/ok.txt', 'in/real/via-link.txt'])
})

function hasMkfifo (): boolean {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

t.test('FIFOs and other non-files are neither served (403, without blocking) nor listed', { skip: hasMkfifo() ? false : 'mkfifo is not available' }, async (t) => {
  const s = await startDataServerForTest(t)
  await mkdir(join(s.root, 'odd'))
  execFileSync('mkfifo', [join(s.root, 'odd/pipe')])
  await writeFile(join(s.root, 'odd/f.txt'), 'f')
  t.equal((await fetch(`${s.url}odd/pipe`)).status, 403)
  t.same(await (await fetch(`${s.url}odd/`)).json(), { 'f.txt': [0, 1] })
})

t.test('__glob: relative patterns only, confined, fnmatch syntax, hidden names only when asked', async (t) => {
  const s = await startDataServerForTest(t)
  for (const n of ['g/pf/f0.bin', 'g/pf/f1.bin', 'g/pf/f2.txt', 'g/pf/.hidden', 'g/other/x.bin']) {
    await fetch(`${s.url}${n}`, { method: 'PUT', body: 'x' })
  }
  const glob = async (p: string): Promise<[number, unknown]> => {
    const res = await fetch(`${s.url}__glob?pattern=${encodeURIComponent(p)}`)
    return [res.status, res.status === 200 ? await res.json() : undefined]
  }
  t.same(await glob('g/pf/*'), [200, ['g/pf/f0.bin', 'g/pf/f1.bin', 'g/pf/f2.txt']])
  t.same(await glob('g/*/*.bin'), [200, ['g/other/x.bin', 'g/pf/f0.bin', 'g/pf/f1.bin']])
  t.same(await glob('g/pf/f[01].bin'), [200, ['g/pf/f0.bin', 'g/pf/f1.bin']])
  t.same(await glob('g/pf/f[!01].*'), [200, ['g/pf/f2.txt']])
  t.same(await glob('g/pf/f?.txt'), [200, ['g/pf/f2.txt']])
  t.same(await glob('g/pf/.h*'), [200, ['g/pf/.hidden']])
  t.same(await glob('g/pf'), [200, ['g/pf']], 'a plain existing path')
  t.same(await glob('g/pf/[x'), [200, []], 'an unclosed [ is literal')
  t.same(await glob('nothing/*'), [200, []])
  t.equal((await glob('/etc/*'))[0], 400)
  t.equal((await glob('../*'))[0], 400)
  t.equal((await glob('g/../../*'))[0], 400)
  t.equal((await fetch(`${s.url}__glob`)).status, 400, 'missing pattern: 400, not a dropped connection')
})
