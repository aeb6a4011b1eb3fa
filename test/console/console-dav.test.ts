/**
 * The WebDAV view against real data servers: OPTIONS, PROPFIND (parsed by Python's XML parser),
 * GET/HEAD with Range and conditions, hostile file names, refused writes and paths that try to
 * leave the cluster namespace.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { addFrames, connect, fetchRaw, noPython, parseMultistatus, plantFile, rawStatus, servers, startTestConsole, writeSeries, type DavResponse } from './console-helpers.js'

const skip = noPython()

const HOSTILE = [
  '<script src=x.js>.txt',
  'quote"and\'apos&amp;.txt',
  'ctl\u0001\u001b\ttab.txt',
  'Grüße 日本 ☃.txt',
  '100% #hash?q=1.txt',
  '<img src=x onerror=alert(1)>'
]

const D = '{DAV:}'

function names (rs: readonly DavResponse[]): string[] {
  return rs.map((r) => decodeURIComponent(r.href.replace(/\/$/, '').split('/').at(-1) as string))
}

t.test('the WebDAV view of a cluster', { skip: skip ?? false }, async (t) => {
  const nodes = await servers(t, 2)
  const urls = nodes.map((s) => s.url)
  await writeSeries(urls, 'lab/s1.pcs', 60, { events: [['StartAq', 'go'], ['ProtocolFocus', '1, 0.5']] })
  const live = await writeSeries(urls, 'lab/live.pcs', 7, { finalize: false })
  t.teardown(() => live.destroy())
  for (const name of HOSTILE) await plantFile(nodes[0]!, `lab/hostile/${name}`, `content of ${name}`)
  await plantFile(nodes[1]!, 'lab/notes.txt', 'hello\n')
  const cluster = await connect(t, urls)
  const c = await startTestConsole(t, cluster)
  const dav = `${c.url}dav/`
  const propfind = async (path: string, depth: string | undefined, body = ''): Promise<{ status: number, list: DavResponse[], raw: Buffer, headers: Record<string, unknown> }> => {
    const r = await fetchRaw(dav + path, { method: 'PROPFIND', headers: { ...(depth === undefined ? {} : { Depth: depth }), 'Content-Type': 'text/xml' }, body })
    return { status: r.status, list: r.status === 207 ? parseMultistatus(r.body) : [], raw: r.body, headers: r.headers }
  }

  t.test('OPTIONS: class 1, MS-Author-Via, on the view and on the server root', async (t) => {
    for (const url of [dav, c.url, `${c.url}anything/else`]) {
      const r = await fetchRaw(url, { method: 'OPTIONS' })
      t.equal(r.status, 200)
      t.equal(r.headers['dav'], '1', 'class 1 only: no locks, so macOS and Windows mount it read-only')
      t.equal(r.headers['ms-author-via'], 'DAV')
      t.equal(r.headers['allow'], 'OPTIONS, GET, HEAD, PROPFIND')
    }
  })

  t.test('PROPFIND depth 0 and 1, allprop', async (t) => {
    const root = await propfind('', '0')
    t.equal(root.status, 207)
    t.match(String(root.headers['content-type']), /xml/)
    t.same(root.list.map((r) => r.href), ['/dav/'])
    t.same(root.list[0]?.props[`${D}resourcetype`]?.value, [`${D}collection`])
    t.same(root.list[0]?.props[`${D}supportedlock`]?.value, '', 'no lock can be taken: read-only')

    const lab = await propfind('lab/', '1')
    t.equal(lab.status, 207)
    t.same(names(lab.list), ['lab', 'hostile', 'live.pcs', 'live.pcs.tif', 'notes.txt', 's1.pcs', 's1.pcs.tif'])
    const by = new Map(lab.list.map((r) => [r.href, r.props]))
    t.same(by.get('/dav/lab/s1.pcs/')?.[`${D}resourcetype`]?.value, [`${D}collection`])
    const tif = by.get('/dav/lab/s1.pcs.tif')
    t.equal(tif?.[`${D}getcontenttype`]?.value, 'image/tiff')
    const head = await fetchRaw(`${dav}lab/s1.pcs.tif`, { method: 'HEAD' })
    t.equal(head.status, 200)
    t.equal(tif?.[`${D}getcontentlength`]?.value, head.headers['content-length'], 'listed size is the size served')
    t.equal(tif?.[`${D}getetag`]?.value, head.headers['etag'])
    t.equal(by.get('/dav/lab/notes.txt')?.[`${D}getcontentlength`]?.value, '6')
    t.match(String(by.get('/dav/lab/notes.txt')?.[`${D}getlastmodified`]?.value), /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/)

    const series = await propfind('lab/s1.pcs', '1')
    t.equal(series.list[0]?.href, '/dav/lab/s1.pcs/', 'a collection asked without its slash answers with it')
    t.equal(series.list.length, 1 + 60 + 3, 'itself, 60 frames, metadata, final metadata, events')
  })

  t.test('PROPFIND with a prop list, propname, allprop+include, Windows and Apache props', async (t) => {
    const body = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:x="urn:example:x"><d:prop><d:getcontentlength/><x:color/>' +
      '<Win32FileAttributes xmlns="urn:schemas-microsoft-com:"/><executable xmlns="http://apache.org/dav/props/"/></d:prop></d:propfind>'
    const r = await propfind('lab/notes.txt', '0', body)
    t.equal(r.status, 207)
    const props = r.list[0]?.props ?? {}
    t.same(props[`${D}getcontentlength`], { status: 200, value: '6' })
    t.same(props['{urn:example:x}color'], { status: 404, value: '' }, 'unknown property: 404 in its own propstat')
    t.same(props['{urn:schemas-microsoft-com:}Win32FileAttributes'], { status: 200, value: '00000001' }, 'read-only attribute for Windows')
    t.same(props['{http://apache.org/dav/props/}executable'], { status: 200, value: 'F' })
    t.equal(Object.keys(props).length, 4)

    const names = await propfind('lab/notes.txt', '0', '<propfind xmlns="DAV:"><propname/></propfind>')
    t.ok(names.list[0]?.props[`${D}getetag`], 'propname lists the names')
    t.equal(names.list[0]?.props[`${D}getetag`]?.value, '', 'without values')

    const inc = await propfind('', '0', '<D:propfind xmlns:D="DAV:"><D:allprop/><D:include><D:quota-available-bytes/></D:include></D:propfind>')
    t.match(inc.list[0]?.props[`${D}quota-available-bytes`], { status: 200, value: /^\d+$/ }, 'quota from the servers\' free space')
  })

  t.test('Depth infinity (or none) is refused as the RFC allows; bad bodies are 400/413', async (t) => {
    for (const depth of ['infinity', undefined]) {
      const r = await propfind('lab/', depth)
      t.equal(r.status, 403)
      t.match(r.raw.toString(), /propfind-finite-depth/)
    }
    const doctype = await propfind('', '0', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><propfind xmlns="DAV:"><allprop/></propfind>')
    t.equal(doctype.status, 400, 'no DOCTYPE, no entities')
    for (const bad of ['<propfind xmlns="DAV:"><prop>', '<x:propfind xmlns="DAV:"/>', '<propfind xmlns="urn:other"><allprop/></propfind>', 'just text <']) {
      t.equal((await propfind('', '0', bad)).status, 400, `malformed: ${bad}`)
    }
    t.equal((await propfind('', '0', `<propfind xmlns="DAV:"><allprop/>${' '.repeat(70_000)}</propfind>`)).status, 413)
  })

  t.test('hostile names: escaped in XML, exact in hrefs, readable by GET', async (t) => {
    const r = await propfind('lab/hostile/', '1')
    t.equal(r.status, 207, 'the XML parses although the names hold markup, quotes, & and control characters')
    const files = r.list.slice(1)
    t.same(names(files).sort(), [...HOSTILE].sort(), 'every name survives in its href')
    for (const f of files) {
      t.notMatch(f.href, /[<>"'&\s\u0000-\u001f]/, 'hrefs carry only URL-safe characters')
      const name = decodeURIComponent(f.href.split('/').at(-1) as string)
      t.equal(f.props[`${D}displayname`]?.value, name.replace(/[\u0001\u001b]/g, '\ufffd'), 'displayname: the name, XML-unsafe controls as U+FFFD')
      const got = await fetchRaw(`${c.url.slice(0, -1)}${f.href}`)
      t.equal(got.status, 200, `GET ${JSON.stringify(name)}`)
      t.equal(got.body.toString(), `content of ${name}`)
    }
    const raw = r.raw.toString()
    t.notMatch(raw, /<script>|<img /, 'no markup from a name reaches the XML unescaped')
  })

  t.test('GET and HEAD of files: Range, If-None-Match, If-Range, 416', async (t) => {
    const onDisk = await readFile(join(nodes[0]!.root, 'lab/s1.pcs/frame00003.pzf'))
    const url = `${dav}lab/s1.pcs/frame00003.pzf`
    const full = await fetchRaw(url)
    t.equal(full.status, 200)
    t.same(full.body, onDisk)
    t.equal(full.headers['accept-ranges'], 'bytes')
    t.equal(full.headers['x-content-type-options'], 'nosniff')
    const etag = String(full.headers['etag'])
    const part = await fetchRaw(url, { headers: { Range: 'bytes=10-19' } })
    t.equal(part.status, 206)
    t.equal(part.headers['content-range'], `bytes 10-19/${onDisk.length}`)
    t.same(part.body, onDisk.subarray(10, 20))
    const suffix = await fetchRaw(url, { headers: { Range: 'bytes=-5' } })
    t.same(suffix.body, onDisk.subarray(onDisk.length - 5))
    t.equal((await fetchRaw(url, { headers: { Range: `bytes=${onDisk.length}-` } })).status, 416)
    t.equal((await fetchRaw(url, { headers: { 'If-None-Match': etag } })).status, 304)
    const stale = await fetchRaw(url, { headers: { Range: 'bytes=0-3', 'If-Range': '"other"' } })
    t.equal(stale.status, 200, 'If-Range that does not match: the whole file')
    t.equal((await fetchRaw(url, { headers: { 'If-Match': '"other"' } })).status, 412)
    const head = await fetchRaw(url, { method: 'HEAD' })
    t.equal(head.headers['content-length'], String(onDisk.length))
    t.equal(head.body.length, 0)
    const folder = await fetchRaw(`${dav}lab/`)
    t.equal(folder.status, 200)
    t.match(folder.body.toString(), /^hostile\/$/m, 'a folder is a plain list of its names')
    t.equal((await fetchRaw(`${dav}lab/missing.txt`)).status, 404)
    t.equal((await fetchRaw(`${dav}lab/missing.tif`)).status, 404)
  })

  t.test('read-only: every write method is refused and nothing changes', async (t) => {
    for (const method of ['PUT', 'DELETE', 'MKCOL', 'COPY', 'MOVE', 'PROPPATCH', 'LOCK', 'UNLOCK', 'POST', 'PATCH']) {
      const r = await fetchRaw(`${dav}lab/new-${method}.txt`, { method, body: method === 'PUT' || method === 'POST' ? 'data' : '', headers: { Destination: `${dav}lab/x.txt` } })
      t.equal(r.status, 405, method)
      t.equal(r.headers['allow'], 'OPTIONS, GET, HEAD, PROPFIND')
      for (const n of nodes) t.notOk(existsSync(join(n.root, `lab/new-${method}.txt`)))
    }
    t.equal((await fetchRaw(`${c.url}api/list?path=lab`, { method: 'POST' })).status, 405)
    t.equal((await fetchRaw(c.url, { method: 'PUT', body: 'x' })).status, 405)
  })

  t.test('no path leaves the cluster namespace', async (t) => {
    for (const target of ['/dav/../package.json', '/dav/%2e%2e/%2e%2e/etc/passwd', '/dav/lab/..%2f..%2fx', '/dav/lab%2f..%2f..',
      '/dav/lab/%00', '/dav/lab/./notes.txt', '/dav/lab/hostile/..', '/dav/%E0%A4%A', '/dav/lab/a%0d%0aSet-Cookie:x']) {
      const r = await rawStatus(c.port, target)
      t.ok(r.status === 400 || r.status === 404, `${target}: ${r.status}`)
      t.notMatch(r.body, /root:|"name": "pyme-cluster"/)
    }
    t.equal((await rawStatus(c.port, '/dav//lab//notes.txt')).status, 200, 'doubled slashes name the same file')
  })

  t.test('PROPFIND on / (Windows walks from the root) and a growing series', async (t) => {
    const root = await propfind('', '1')
    t.ok(root.list.some((r) => r.href === '/dav/lab/'))
    const r = await fetchRaw(c.url, { method: 'PROPFIND', headers: { Depth: '1' } })
    t.equal(r.status, 207)
    t.same(parseMultistatus(r.body).map((x) => x.href), ['/', '/dav/'])

    const before = (await propfind('lab/live.pcs.tif', '0')).list[0]?.props[`${D}getcontentlength`]?.value
    await addFrames(live, 7, 12)
    let after = before
    // The console looks at a series being written again after refreshMs (100 ms here).
    for (let i = 0; i < 500 && after === before; i++) {
      await new Promise((resolve) => setImmediate(resolve))
      after = (await propfind('lab/live.pcs.tif', '0')).list[0]?.props[`${D}getcontentlength`]?.value
    }
    t.ok(Number(after) > Number(before), `the TIFF of a series being written grows (${String(before)} → ${String(after)})`)
  })
})
