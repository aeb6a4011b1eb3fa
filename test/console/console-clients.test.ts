/**
 * Real WebDAV clients from Debian against the console: rclone (lists, copies a series folder and
 * its TIFF, reads ranges with `cat --offset`, and logs in with the token as basic-auth password)
 * cadaver (ls, get, a refused put) and GNOME's gvfs (gio mount, list, info, copy). litmus is not
 * run: every suite of it starts by creating a collection, which a read-only server refuses.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { connect, fetchRaw, hasProgram, plantFile, servers, startTestConsole, writeSeries } from './console-helpers.js'

const run = promisify(execFile)

interface LsEntry { Path: string, Name: string, Size: number, IsDir: boolean, ModTime: string, MimeType?: string }

t.test('rclone over webdav', { skip: hasProgram('rclone', ['version']) ? false : 'rclone is not installed' }, async (t) => {
  const nodes = await servers(t, 2)
  const urls = nodes.map((s) => s.url)
  await writeSeries(urls, 'rc/s1.pcs', 55)
  await plantFile(nodes[1]!, 'rc/notes/Grüße & <b>.txt', 'hello')
  const cluster = await connect(t, urls)
  const dir = await mkdtemp(join(tmpdir(), 'pyme-rclone-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const conf = join(dir, 'rclone.conf')
  await writeFile(conf, '')
  const rclone = async (url: string, args: readonly string[], extra: readonly string[] = []): Promise<string> => {
    const { stdout } = await run('rclone', ['--config', conf, '--webdav-url', url, '--webdav-encoding', 'Slash,InvalidUtf8', ...extra, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 })
    return stdout
  }

  const c = await startTestConsole(t, cluster)
  const dav = `${c.url}dav/`
  const list = JSON.parse(await rclone(dav, ['lsjson', '--recursive', ':webdav:rc'])) as LsEntry[]
  const byPath = new Map(list.map((e) => [e.Path, e]))
  t.ok(byPath.get('s1.pcs')?.IsDir)
  t.equal(byPath.get('s1.pcs/frame00054.pzf')?.IsDir, false)
  t.ok(byPath.has('notes/Grüße & <b>.txt'), 'a name with non-ASCII, & and markup, as it is')
  const tifSize = Number((await fetchRaw(`${dav}rc/s1.pcs.tif`, { method: 'HEAD' })).headers['content-length'])
  t.equal(byPath.get('s1.pcs.tif')?.Size, tifSize, 'the TIFF with its size')
  t.equal(list.filter((e) => e.Path.startsWith('s1.pcs/frame')).length, 55)

  await rclone(dav, ['copy', ':webdav:rc', join(dir, 'copy')])
  const tif = await readFile(join(dir, 'copy', 's1.pcs.tif'))
  t.same(tif, (await fetchRaw(`${dav}rc/s1.pcs.tif`)).body, 'rclone copies the TIFF (and checks its size)')
  for (const f of ['frame00000.pzf', 'frame00054.pzf', 'metadata.json', 'events.json']) {
    t.same(await readFile(join(dir, 'copy', 's1.pcs', f)), (await fetchRaw(`${dav}rc/s1.pcs/${f}`)).body, `${f} copied`)
  }
  t.equal(await readFile(join(dir, 'copy', 'notes', 'Grüße & <b>.txt'), 'utf8'), 'hello')
  const { stdout: part } = await run('rclone', ['--config', conf, '--webdav-url', dav, 'cat', '--offset', '5000', '--count', '3000', ':webdav:rc/s1.pcs.tif'],
    { encoding: 'buffer', timeout: 120_000 })
  t.same(part, tif.subarray(5000, 8000), 'a range read (cat --offset)')
  await t.rejects(rclone(dav, ['copyto', conf, ':webdav:rc/new.txt']), 'an upload fails: read-only')
  t.notOk(byPath.has('new.txt'))

  const shared = await startTestConsole(t, cluster, { host: '0.0.0.0' })
  const url = `http://127.0.0.1:${shared.port}/dav/`
  await t.rejects(rclone(url, ['lsjson', ':webdav:rc']), 'no token: refused')
  const obscured = (await run('rclone', ['obscure', shared.token ?? ''])).stdout.trim()
  const withToken = JSON.parse(await rclone(url, ['lsjson', ':webdav:rc'], ['--webdav-user', 'me', '--webdav-pass', obscured])) as LsEntry[]
  t.ok(withToken.some((e) => e.Path === 's1.pcs.tif'), 'the token as basic-auth password')
})

t.test('cadaver', { skip: hasProgram('cadaver', ['--version']) ? false : 'cadaver is not installed' }, async (t) => {
  const nodes = await servers(t, 1)
  await writeSeries([nodes[0]!.url], 'cad/s.pcs', 3)
  const cluster = await connect(t, [nodes[0]!.url])
  const c = await startTestConsole(t, cluster)
  const dir = await mkdtemp(join(tmpdir(), 'pyme-cadaver-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const script = ['ls cad', 'cd cad', `get s.pcs.tif ${join(dir, 's.tif')}`, `put ${join(dir, 's.tif')} new.tif`, 'mkcol newdir', 'quit', ''].join('\n')
  const child = execFile('cadaver', [`${c.url}dav/`], { cwd: dir, env: { ...process.env, HOME: dir }, timeout: 60_000 })
  child.stdin?.end(script)
  let out = ''
  child.stdout?.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { out += d.toString() })
  await new Promise((resolve) => child.once('exit', resolve))
  t.match(out, /Listing collection `\/dav\/cad\/': succeeded/)
  t.match(out, /Coll:\s+s\.pcs/)
  t.match(out, /s\.pcs\.tif\s+\d+/)
  t.match(out, /Downloading `\/dav\/cad\/s\.pcs\.tif' to .*succeeded/s)
  t.same(await readFile(join(dir, 's.tif')), (await fetchRaw(`${c.url}dav/cad/s.pcs.tif`)).body)
  t.match(out, /Uploading .* failed:\s*405 Method Not Allowed/s)
  t.match(out, /Creating `newdir': failed:\s*405 Method Not Allowed/s)
})

t.test('GNOME gvfs (gio mount dav://)', { skip: hasProgram('dbus-run-session', ['--version']) && hasProgram('gio', ['version']) && existsSync('/usr/libexec/gvfsd-dav') ? false : 'gvfs-backends (gvfsd-dav), gio or dbus-run-session is not installed' }, async (t) => {
  const nodes = await servers(t, 1)
  await writeSeries([nodes[0]!.url], 'gv/s.pcs', 4)
  const cluster = await connect(t, [nodes[0]!.url])
  const c = await startTestConsole(t, cluster)
  const dir = await mkdtemp(join(tmpdir(), 'pyme-gvfs-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const dav = `dav://127.0.0.1:${c.port}/dav/`
  // One private session bus: gvfs's daemons start on it and end with it.
  const script = [
    `gio mount ${dav}`,
    `gio list -l ${dav}gv/`,
    `gio info -a standard::size,standard::content-type ${dav}gv/s.pcs.tif`,
    `gio copy ${dav}gv/s.pcs.tif ${join(dir, 's.tif')}`,
    `gio copy /etc/hostname ${dav}gv/new.txt || echo WRITE-REFUSED`,
    `gio mount -u ${dav}`
  ].join(' && ').replace(' && gio copy /etc', ' ; gio copy /etc')
  const { stdout } = await run('dbus-run-session', ['--', 'sh', '-c', script], { env: { ...process.env, HOME: dir }, timeout: 120_000 })
  t.match(stdout, /s\.pcs\t0\t\(directory\)/)
  const size = (await fetchRaw(`${c.url}dav/gv/s.pcs.tif`, { method: 'HEAD' })).headers['content-length']
  t.match(stdout, new RegExp(`s\\.pcs\\.tif\\t${String(size)}\\t\\(regular\\)`), 'the TIFF listed with its size')
  t.match(stdout, /standard::content-type: image\/tiff/)
  t.same(await readFile(join(dir, 's.tif')), (await fetchRaw(`${c.url}dav/gv/s.pcs.tif`)).body, 'gio copy reads the TIFF')
  t.match(stdout, /WRITE-REFUSED/, 'a write through gvfs is refused')
})
