/** Hash routes of the page: `#/` and `#/browse/<path>` list a directory, `#/series/<path>` shows a series. */

export type Route = { readonly view: 'browse', readonly path: string } | { readonly view: 'series', readonly path: string, readonly frame: number | null }

export function browseHref (path: string): string {
  return `#/browse/${encodeURIComponent(path)}`
}

export function seriesHref (path: string, frame?: number): string {
  return `#/series/${encodeURIComponent(path)}${frame === undefined ? '' : `?frame=${frame}`}`
}

export function parseRoute (hash: string): Route {
  const m = /^#\/(browse|series)\/([^?]*)(?:\?frame=(\d+))?$/.exec(hash)
  if (m === null) return { view: 'browse', path: '' }
  let path: string
  try {
    path = decodeURIComponent(m[2] as string)
  } catch {
    return { view: 'browse', path: '' }
  }
  return m[1] === 'series' ? { view: 'series', path, frame: m[3] === undefined ? null : Number(m[3]) } : { view: 'browse', path }
}
