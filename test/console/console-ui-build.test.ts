/**
 * The console page bundle (scripts/build-console-ui.mjs, run by `npm run build`): built for the
 * browser from ui/console with lib/pzf's decoder and without the Node-only encoder pool, and
 * served by the console with its security headers.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { buildConsoleUi } from '../../scripts/build-console-ui.mjs'
import { CONSOLE_CSP, ConsoleAssets } from '../../lib/console/console-assets.js'
import { connect, fetchRaw, rawStatus, servers, startTestConsole } from './console-helpers.js'

t.test('the page bundle', async (t) => {
  const dir = t.testdir()
  const out = await buildConsoleUi({ outdir: dir, minify: false })
  t.same((await readdir(dir)).sort(), ['console.css', 'console.js', 'console.js.map', 'index.html'])
  t.ok(out.inputs.includes('lib/pzf/decode-pzf.ts'), 'the project\'s own decoder')
  t.notOk(out.inputs.some((i) => i.includes('pzf-encoder-pool') || i.includes('pzf-worker')), 'not the Node-only pool')
  const js = await readFile(join(dir, 'console.js'), 'utf8')
  t.notMatch(js, /from\s*["']node:|require\(/)
  t.notMatch(js, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, 'no markup from strings')
  const html = await readFile(join(dir, 'index.html'), 'utf8')
  t.match(html, /<script type="module" src="\/assets\/console.js"><\/script>/)
  t.notMatch(html.replace(/<script[^>]*src=[^>]*><\/script>/g, ''), /<script/, 'no inline script (the CSP forbids it)')

  const nodes = await servers(t, 1)
  const cluster = await connect(t, [nodes[0]!.url])
  const c = await startTestConsole(t, cluster, { assetsDir: dir })
  const page = await fetchRaw(c.url)
  t.equal(page.status, 200)
  t.equal(page.headers['content-security-policy'], CONSOLE_CSP)
  t.match(CONSOLE_CSP, /script-src 'self' 'wasm-unsafe-eval'/, 'a WebAssembly decoder may run, inline code may not')
  t.equal(page.headers['x-frame-options'], 'DENY')
  t.equal((await fetchRaw(c.url, { headers: { 'If-None-Match': String(page.headers['etag']) } })).status, 304)
  const script = await fetchRaw(`${c.url}assets/console.js`)
  t.match(String(script.headers['content-type']), /^text\/javascript/)
  t.equal((await fetchRaw(`${c.url}assets/nope.js`)).status, 404)
  t.equal((await rawStatus(c.port, '/assets/../index.html')).status, 404, 'no dot segments resolved')
  t.equal((await fetchRaw(`${c.url}other`)).status, 404)

  const empty = await ConsoleAssets.load(join(dir, 'missing'))
  t.equal(empty.complete, false)
  const bare = await startTestConsole(t, cluster, { assetsDir: join(dir, 'missing') })
  t.equal(bare.hasPage, false)
  const r = await fetchRaw(bare.url)
  t.equal(r.status, 503)
  t.match(r.body.toString(), /npm run build/)
})
