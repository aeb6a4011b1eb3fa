/** The data servers: status, free space, load, live write rate; refreshed every 2 s. */
import { api, type NodeView } from './api.js'
import { h, replace } from './dom.js'
import { bytes, percent, rate } from './format.js'

function row (n: NodeView): HTMLTableRowElement {
  const status = n.responsive
    ? h('span', { class: 'badge ok' }, 'up')
    : h('span', { class: 'badge bad', title: n.error?.message ?? '' }, n.error?.code ?? 'down')
  return h('tr', { 'data-url': n.url },
    h('td', { class: 'name' }, n.name),
    h('td', {}, `${n.address}:${n.port}${n.local ? ' (local)' : ''}`),
    h('td', {}, status),
    h('td', { class: 'num' }, n.disk === null ? '-' : `${bytes(n.disk.free)} of ${bytes(n.disk.total)}`),
    h('td', { class: 'num' }, percent(n.load)),
    h('td', { class: 'num write-rate' }, rate(n.writeRate)),
    h('td', { class: 'muted' }, n.uptime?.replace(/\.\d+$/, '') ?? '-'))
}

export function startNodes (box: HTMLElement, stamp: HTMLElement): void {
  const draw = async (): Promise<void> => {
    try {
      const { nodes, polledAt } = await api.nodes()
      replace(box, h('table', { id: 'nodes-table' },
        h('thead', {}, h('tr', {}, ...['Server', 'Address', 'Status', 'Free', 'Load', 'Write rate', 'Uptime'].map((t, i) => h('th', i >= 3 && i <= 5 ? { class: 'num' } : {}, t)))),
        h('tbody', {}, ...nodes.map(row))))
      stamp.textContent = polledAt === 0 ? '' : `as of ${new Date(polledAt).toLocaleTimeString()}`
    } catch (err) {
      replace(box, h('p', { class: 'error' }, `cannot read the servers' status: ${(err as Error).message}`))
    } finally {
      setTimeout(() => { void draw() }, 2000)
    }
  }
  void draw()
}
