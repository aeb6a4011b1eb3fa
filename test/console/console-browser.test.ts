/**
 * The browser console in headless Chromium (Debian's chromium driven by playwright-core) against
 * real data servers: the node table, the listing with hostile names shown as text (and no script
 * run), a frame decoded in the page checked pixel by pixel on the canvas against the known frame,
 * manual min/max, following a series as it is written, and the token as basic-auth password.
 * Screenshots go to the test's directory (tap --save-fixture keeps them).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { BrowserContext, Page } from 'playwright-core'
import { buildConsoleUi } from '../../scripts/build-console-ui.mjs'
import { addFrames, connect, H, pixel, plantFile, servers, startTestConsole, W, writeSeries } from './console-helpers.js'

const CHROMIUM = '/usr/bin/chromium'
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync']

const HOSTILE = ['<img src=x onerror="window.__pwned=1">', '<script>window.__pwned=2<\u2215script>.txt', 'a&amp;b "q" \'s\'.txt', 'tab\there\u0007.txt', 'Grüße 日本.txt']

async function browser (dir: string, options: { httpCredentials?: { username: string, password: string } } = {}): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core')
  return await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: FLAGS, ...options })
}

// The callbacks below run in the page; the test project has no DOM types, so they name the little they use.
interface El { readonly textContent: string | null, readonly dataset: Record<string, string | undefined>, querySelector (s: string): El | null, querySelectorAll (s: string): ArrayLike<El> }
interface CanvasEl extends El { readonly width: number, readonly height: number, getContext (kind: '2d'): { getImageData (x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } }
interface PageGlobals { readonly __pwned?: number, readonly document: { querySelector (s: string): El | null } }

/** The canvas as RGBA bytes with the data-* attributes the viewer sets. */
async function canvas (page: Page): Promise<{ data: number[], frame: number, min: number, max: number, width: number, height: number }> {
  return await page.$eval('#frame', (c) => {
    const el = c as unknown as CanvasEl
    const ctx = el.getContext('2d')
    return {
      data: Array.from(ctx.getImageData(0, 0, el.width, el.height).data),
      frame: Number(el.dataset['frame']),
      min: Number(el.dataset['min']),
      max: Number(el.dataset['max']),
      width: el.width,
      height: el.height
    }
  })
}

/** Pixels of the canvas that differ from frame `n` mapped with min/max (x along the canvas width). */
function wrongPixels (c: Awaited<ReturnType<typeof canvas>>, n: number): number {
  let wrong = 0
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let g = Math.round((pixel(n, x + W * y) - c.min) * 255 / (c.max - c.min))
      g = g < 0 ? 0 : g > 255 ? 255 : g
      const o = (y * W + x) * 4
      if (c.data[o] !== g || c.data[o + 1] !== g || c.data[o + 2] !== g || c.data[o + 3] !== 255) wrong++
    }
  }
  return wrong
}

t.test('the console in Chromium', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (Debian package chromium)` }, async (t) => {
  const dir = t.testdir({ ui: {}, profile: {}, profile2: {}, shots: {} })
  await buildConsoleUi({ outdir: join(dir, 'ui') })
  const nodes = await servers(t, 2)
  const urls = nodes.map((s) => s.url)
  await writeSeries(urls, 'web/done.pcs', 30, { events: [['StartAq', '2024-05-01 12:00'], ['ProtocolTask', 'focus <lock> & "go"']] })
  const live = await writeSeries(urls, 'web/live.pcs', 4, { finalize: false })
  t.teardown(() => live.destroy())
  for (const name of HOSTILE) await plantFile(nodes[0]!, `web/${name}`, 'x')
  const cluster = await connect(t, urls)
  const c = await startTestConsole(t, cluster, { assetsDir: join(dir, 'ui') })
  t.equal(c.hasPage, true)
  const ctx = await browser(join(dir, 'profile'))
  t.teardown(() => ctx.close())
  const page = await ctx.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const shot = async (name: string): Promise<void> => {
    const path = join(dir, 'shots', `${name}.png`)
    await page.screenshot({ path, fullPage: true })
    t.comment(`screenshot ${path}`)
  }

  t.test('nodes and the listing, hostile names as text', async (t) => {
    await page.goto(`${c.url}#/browse/web`)
    await page.waitForSelector('#nodes-table tbody tr:nth-child(2)')
    const rows = await page.$$eval('#nodes-table tbody tr', (trs) => (trs as unknown as El[]).map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')))
    t.equal(rows.length, 2)
    for (const r of rows) {
      t.equal(r[2], 'up')
      t.match(r[3], /of/, 'free space of total')
      t.match(r[4], /%$/, 'load')
      t.match(r[5], /\/s$|…/, 'write rate')
    }
    t.same(rows.map((r) => r[1]).sort(), urls.map((u) => new URL(u).host + ' (local)').sort())
    await page.waitForSelector('#listing')
    const entries = await page.$$eval('#listing tbody tr', (trs) => (trs as unknown as El[]).map((tr) => ({
      name: tr.dataset['name'],
      text: tr.querySelector('td')?.textContent,
      kind: tr.dataset['kind'],
      state: tr.querySelectorAll('td')[2]?.textContent,
      tif: tr.querySelectorAll('td')[4]?.textContent
    })))
    const by = new Map(entries.map((e) => [e.name, e]))
    t.match(by.get('done.pcs'), { kind: 'series', state: 'complete', tif: 'done.pcs.tif' })
    t.match(by.get('live.pcs'), { kind: 'series', state: 'in progress', tif: 'live.pcs.tif' })
    for (const name of HOSTILE) t.equal(by.get(name)?.text, name, `shown as text: ${JSON.stringify(name)}`)
    t.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).__pwned), undefined, 'no name ran as code')
    t.equal(await page.$$eval('#listing img, #listing script', (els) => els.length), 0, 'no element made from a name')
    await shot('browse')
  })

  t.test('a frame decoded in the page, checked pixel by pixel', async (t) => {
    await page.goto(`${c.url}#/series/${encodeURIComponent('web/done.pcs')}?frame=7`)
    await page.waitForSelector('#frame[data-ready="1"][data-frame="7"]')
    const auto = await canvas(page)
    t.equal(auto.width, W)
    t.equal(auto.height, H)
    t.ok(auto.max > auto.min)
    t.equal(wrongPixels(auto, 7), 0, `auto-contrast ${auto.min}..${auto.max}: every pixel is the frame's`)
    t.equal(await page.textContent('#series-state'), 'complete')
    t.equal(await page.textContent('#series-frames'), '30')
    t.match(await page.textContent('#events'), /focus <lock> & "go"/, 'events, as text')
    t.match(await page.textContent('#metadata'), /voxelsize\.x\s*0\.065/)
    await shot('series')
    await page.fill('#frame-min', '1000')
    await page.fill('#frame-max', '9000')
    await page.dispatchEvent('#frame-max', 'change')
    await page.waitForSelector('#frame[data-max="9000"]')
    const manual = await canvas(page)
    t.equal(manual.min, 1000)
    t.equal(wrongPixels(manual, 7), 0, 'min/max set by hand')
    t.equal(await page.isChecked('#frame-auto'), false)
    await page.fill('#frame-index', '29')
    await page.dispatchEvent('#frame-index', 'change')
    await page.waitForSelector('#frame[data-ready="1"][data-frame="29"]')
    t.equal(wrongPixels(await canvas(page), 29), 0, 'another frame')
  })

  t.test('following a series as it is written', async (t) => {
    await page.goto(`${c.url}#/series/${encodeURIComponent('web/live.pcs')}`)
    await page.waitForSelector('#frame[data-ready="1"][data-frame="3"]')
    t.equal(await page.isChecked('#frame-follow'), true, 'a series in progress is followed')
    t.equal(await page.textContent('#series-state'), 'in progress')
    await shot('live-4')
    await addFrames(live, 4, 11)
    await page.waitForSelector('#frame[data-ready="1"][data-frame="10"]', { timeout: 60_000 })
    t.equal(wrongPixels(await canvas(page), 10), 0, 'the newest frame, decoded')
    await shot('live-11')
    await live.finalize()
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('#series-state')?.textContent === 'complete', undefined, { timeout: 60_000 })
    t.equal(await page.textContent('#series-frames'), '11')
    await shot('live-complete')
    t.same(errors, [], 'no error in the page')
  })

  t.test('with a token: basic auth in the browser', async (t) => {
    const shared = await startTestConsole(t, cluster, { host: '0.0.0.0', assetsDir: join(dir, 'ui') })
    const token = shared.token as string
    const authed = await browser(join(dir, 'profile2'), { httpCredentials: { username: 'me', password: token } })
    t.teardown(() => authed.close())
    const p = await authed.newPage()
    await p.goto(`http://127.0.0.1:${shared.port}/#/browse/web`)
    await p.waitForSelector('#listing')
    t.ok(await p.$('#listing tr[data-name="done.pcs"]'))
    const res = await p.request.get(`http://127.0.0.1:${shared.port}/api/cluster`)
    t.equal(res.status(), 200)
  })
})
