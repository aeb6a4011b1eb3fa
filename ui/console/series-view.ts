/**
 * A series: state, frame count and gaps, geometry, its TIFF, metadata, events, and the frame
 * viewer; re-read every second while the series is being written, so the viewer can follow.
 */
import { api, type SeriesInfo } from './api.js'
import { crumbs } from './browse-view.js'
import { h, link, replace } from './dom.js'
import { bytes } from './format.js'
import { FrameViewer } from './frame-viewer.js'

function facts (s: SeriesInfo): HTMLTableElement {
  const g = s.geometry
  const gaps = s.missingCount === 0
    ? 'none'
    : `${s.missingCount} (${s.missingFrames.slice(0, 20).join(', ')}${s.missingCount > 20 ? ', …' : ''})`
  const rows: Array<[string, Node | string]> = [
    ['State', h('span', { class: `badge ${s.complete ? 'ok' : 'warn'}`, id: 'series-state' }, s.complete ? 'complete' : 'in progress')],
    ['Frames', h('span', { id: 'series-frames' }, String(s.frameCount))],
    ['Contiguous', String(s.contiguousFrames)],
    ['Gaps', gaps],
    ['Frame', g === null ? '-' : `${g.width} × ${g.height}${g.depth > 1 ? ` × ${g.depth}` : ''} ${g.dtype} (order ${g.dimOrder})`],
    ['TIFF', s.tiff === null ? '-' : h('span', {}, link(s.tiff.href, s.tiff.href.slice(s.tiff.href.lastIndexOf('/') + 1)), ` ${bytes(s.tiff.size)}, ${s.tiff.frames} frames${s.tiff.bigTiff ? ', BigTIFF' : ''}`)],
    ['WebDAV', link(s.dav, s.dav)],
    ['URI', s.url]
  ]
  return h('table', { class: 'facts' }, h('tbody', {}, ...rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', { class: 'name' }, v)))))
}

function keyValues (id: string, rows: ReadonlyArray<readonly [string, string]>): HTMLElement {
  const filter = h('input', { type: 'search', placeholder: 'filter keys', 'aria-label': 'filter keys' })
  const body = h('tbody', {}, ...rows.map(([k, v]) => h('tr', { 'data-key': k }, h('td', { class: 'name' }, k), h('td', { class: 'name' }, v))))
  filter.addEventListener('input', () => {
    const needle = filter.value.toLowerCase()
    for (const tr of Array.from(body.rows)) tr.hidden = needle !== '' && !(tr.dataset['key'] ?? '').toLowerCase().includes(needle)
  })
  return h('div', { id }, filter, h('div', { class: 'scroll' }, h('table', {}, body)))
}

function events (s: SeriesInfo): HTMLElement {
  if (s.events.length === 0) return h('p', { class: 'muted' }, s.complete ? 'No events.' : 'Events are written when the series completes.')
  return h('div', { class: 'scroll' }, h('table', { id: 'events' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Time'), h('th', {}, 'Event'), h('th', {}, 'Description'))),
    h('tbody', {}, ...s.events.map((e) => h('tr', {}, h('td', {}, new Date(e.time * 1000).toISOString()), h('td', { class: 'name' }, e.name), h('td', { class: 'name' }, e.description))))))
}

/** Shows the series at `path`; returns a function that stops its polling. */
export async function showSeries (main: HTMLElement, path: string, frame: number | null): Promise<() => void> {
  replace(main, crumbs(path, 'series'), h('p', { class: 'muted' }, 'Loading…'))
  let s = await api.series(path)
  const viewer = new FrameViewer(path, !s.complete && frame === null)
  const factsBox = h('div', {}, facts(s))
  const eventsBox = h('div', {}, events(s))
  const meta = s.metadata === null ? h('p', {}, '-') : keyValues('metadata', s.metadata)
  const finalMeta = s.finalMetadata === null ? null : h('details', {}, h('summary', {}, 'final_metadata.json'), keyValues('final-metadata', s.finalMetadata))
  replace(main, crumbs(path, 'series'),
    h('h2', { class: 'name' }, path),
    h('div', { class: 'series-grid' },
      h('div', {}, viewer.element),
      h('div', {}, factsBox, h('h2', {}, 'Events'), eventsBox)),
    h('h2', {}, 'Metadata'), meta, finalMeta)
  const readable = (x: SeriesInfo): number => x.complete ? x.frameCount : x.contiguousFrames
  viewer.setFrames(readable(s), s.complete)
  if (frame !== null) viewer.show(frame)
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const poll = async (): Promise<void> => {
    if (stopped || s.complete) return
    try {
      const next = await api.series(path)
      if (stopped) return
      if (next.frameCount !== s.frameCount || next.complete !== s.complete || next.contiguousFrames !== s.contiguousFrames) {
        s = next
        replace(factsBox, facts(s))
        replace(eventsBox, events(s))
        viewer.setFrames(readable(s), s.complete)
      }
    } catch {
      // The next poll tries again; the facts keep their last values.
    }
    timer = setTimeout(() => { void poll() }, 1000)
  }
  timer = setTimeout(() => { void poll() }, 1000)
  return () => {
    stopped = true
    if (timer !== undefined) clearTimeout(timer)
  }
}
