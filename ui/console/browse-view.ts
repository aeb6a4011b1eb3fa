/** A directory of the union namespace; series marked complete or in progress, each with its TIFF. */
import { api, type ListEntry } from './api.js'
import { h, link, replace } from './dom.js'
import { bytes } from './format.js'
import { browseHref, seriesHref } from './routes.js'

/** Breadcrumbs of a cluster path. */
export function crumbs (path: string, last: 'browse' | 'series'): HTMLElement {
  const parts = path === '' ? [] : path.split('/')
  const out = h('nav', { class: 'crumbs' }, link('#/', 'cluster'))
  parts.forEach((p, i) => {
    const sub = parts.slice(0, i + 1).join('/')
    out.append(' / ', i === parts.length - 1 && last === 'series' ? link(seriesHref(sub), p) : link(browseHref(sub), p))
  })
  return out
}

function entryRow (e: ListEntry): HTMLTableRowElement {
  let name: HTMLElement
  let kind: string
  if (e.series) {
    name = link(seriesHref(e.path), `${e.name}/`)
    kind = 'series'
  } else if (e.directory) {
    name = link(browseHref(e.path), `${e.name}/`)
    kind = 'folder'
  } else {
    name = link(e.dav, e.name, { download: '' })
    kind = 'file'
  }
  const state = e.series ? h('span', { class: `badge ${e.complete ? 'ok' : 'warn'}` }, e.complete ? 'complete' : 'in progress') : ''
  const tiff = e.series ? link(`${e.dav.replace(/\/$/, '')}.tif`, `${e.name}.tif`) : ''
  return h('tr', { 'data-name': e.name, 'data-kind': kind },
    h('td', { class: 'name' }, name),
    h('td', {}, kind),
    h('td', {}, state),
    h('td', { class: 'num' }, e.directory ? `${e.size} entries` : bytes(e.size)),
    h('td', { class: 'name' }, tiff))
}

export async function showBrowse (main: HTMLElement, path: string): Promise<void> {
  replace(main, crumbs(path, 'browse'), h('p', { class: 'muted' }, 'Loading…'))
  const listing = await api.list(path)
  const warn = listing.unreachable.length === 0
    ? null
    : h('p', { class: 'error' }, `Not answering, the listing may be incomplete: ${listing.unreachable.map((u) => `${u.url} (${u.code})`).join(', ')}`)
  const table = h('table', { id: 'listing' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Kind'), h('th', {}, 'State'), h('th', { class: 'num' }, 'Size'), h('th', {}, 'TIFF'))),
    h('tbody', {}, ...listing.entries.map(entryRow)))
  replace(main, crumbs(path, 'browse'), warn, listing.entries.length === 0 ? h('p', { class: 'muted' }, 'Empty.') : table)
}
