/** The gateway's JSON API (lib/console/console-api.ts) as the page sees it. */

import type { ClusterInfo, Listing, NodesInfo, SeriesInfo } from '../../lib/console/api-types.js'

export type { GeometryInfo, ListEntry, Listing, NodeView, SeriesInfo } from '../../lib/console/api-types.js'

async function get (url: string): Promise<Response> {
  const res = await fetch(url, { credentials: 'same-origin', cache: 'no-store' })
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}: ${(await res.text()).trim()}`)
  return res
}

export async function getJson<T> (url: string): Promise<T> {
  return await (await get(url)).json() as T
}

const q = (path: string): string => encodeURIComponent(path)

export const api = {
  cluster: async () => await getJson<ClusterInfo>('/api/cluster'),
  nodes: async () => await getJson<NodesInfo>('/api/nodes'),
  list: async (path: string) => await getJson<Listing>(`/api/list?path=${q(path)}`),
  series: async (path: string) => await getJson<SeriesInfo>(`/api/series?path=${q(path)}`),
  frame: async (path: string, i: number) => new Uint8Array(await (await get(`/api/frame?path=${q(path)}&i=${i}`)).arrayBuffer())
}
