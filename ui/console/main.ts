/**
 * The browser console of pyme-cluster (served by `pyme-cluster console`, bundled by
 * scripts/build-console-ui.mjs): the data servers, the union namespace, and series with a
 * frame viewer. No framework: a few views that rebuild their part of the page from JSON.
 */
import { initPzfWasm } from '../../lib/pzf/browser.js'
import { api } from './api.js'
import { h, replace } from './dom.js'
import { startNodes } from './nodes-view.js'
import { showBrowse } from './browse-view.js'
import { parseRoute } from './routes.js'
import { showSeries } from './series-view.js'

const byId = (id: string): HTMLElement => document.getElementById(id) as HTMLElement

let stop: (() => void) | null = null

async function route (): Promise<void> {
  stop?.()
  stop = null
  const main = byId('main')
  const r = parseRoute(location.hash)
  try {
    if (r.view === 'series') stop = await showSeries(main, r.path, r.frame)
    else await showBrowse(main, r.path)
  } catch (err) {
    replace(main, h('p', { class: 'error' }, (err as Error).message))
  }
}

async function start (): Promise<void> {
  // The WebAssembly decoder compiles asynchronously on a browser's main thread; until it is
  // ready (or where WebAssembly is missing) lib/pzf decodes with its TypeScript codec.
  await initPzfWasm().catch(() => {})
  startNodes(byId('nodes'), byId('nodes-time'))
  api.cluster().then((c) => {
    byId('cluster').textContent = `cluster '${c.cluster}', ${c.servers} data server${c.servers === 1 ? '' : 's'} · v${c.version}`
    document.title = `${c.cluster} · pyme-cluster`
  }).catch(() => {})
  window.addEventListener('hashchange', () => { void route() })
  await route()
}

void start()
