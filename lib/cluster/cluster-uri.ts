/**
 * `PYME-CLUSTER://<serverfilter>/<cluster path>` URIs (PROTOCOL.md §2.2).
 *
 *   PYME-CLUSTER://TES1/user/s.pcs   → { serverfilter: 'TES1', path: 'user/s.pcs' }
 *   pyme-cluster:///user/s.pcs       → { serverfilter: '',     path: 'user/s.pcs' }
 *   PYME-CLUSTER://TES1              → InvalidUriError (PYME raises IndexError)
 *
 * Parsing is PYME's `split_cluster_url`: the serverfilter runs from `://` to the next `/`,
 * the path is everything after it (not percent-decoded: PYME does not decode either). The
 * scheme is matched case-insensitively (PYME accepts exactly `pyme-cluster` and
 * `PYME-CLUSTER`). An empty serverfilter means "every cluster visible" in PYME; see
 * `ClusterOptions.emptyServerfilter` for how a `Cluster` treats it.
 */
import { InvalidArgumentError, InvalidUriError } from '../errors.js'
import { parseReadPath } from '../internal/cluster-path.js'
import { validateClusterName } from '../internal/service-name.js'

const SCHEME = /^pyme-cluster:\/\//i

/** A parsed `PYME-CLUSTER://` URI. */
export interface ClusterUri {
  /** The cluster name between `://` and the next `/`; `''` for the triple-slash form. */
  readonly serverfilter: string
  /** The cluster path as written after the serverfilter's `/` (not normalised, not decoded). */
  readonly path: string
}

/** True when `s` starts with `PYME-CLUSTER://` in any letter case. */
export function isClusterUri (s: unknown): s is string {
  return typeof s === 'string' && SCHEME.test(s)
}

/** Splits a `PYME-CLUSTER://` URI into serverfilter and path; `InvalidUriError` when it is not one. */
export function parseClusterUri (uri: string): ClusterUri {
  if (!isClusterUri(uri)) {
    throw new InvalidUriError(`not a PYME-CLUSTER:// URI: '${String(uri)}'`)
  }
  const rest = uri.slice('pyme-cluster://'.length)
  const slash = rest.indexOf('/')
  if (slash < 0) {
    throw new InvalidUriError(`URI '${uri}' has no path: write PYME-CLUSTER://${rest}/<path> (or .../ for the root)`)
  }
  const serverfilter = rest.slice(0, slash)
  if (/[\u0000-\u001f\u007f?#]/.test(serverfilter)) {
    throw new InvalidUriError(`URI '${uri}' has an invalid serverfilter '${serverfilter}'`)
  }
  const path = rest.slice(slash + 1)
  if (/[\u0000\r\n]/.test(path)) throw new InvalidUriError(`URI path contains a NUL byte or line break: '${uri}'`)
  return { serverfilter, path }
}

/**
 * Builds `PYME-CLUSTER://<serverfilter>/<path>` (upper-case scheme, as PYME's backends write
 * it). The path is normalised (leading `/` dropped, a trailing `/` kept for directories);
 * `InvalidArgumentError` for a serverfilter that cannot be a cluster name, `InvalidNameError`
 * for a bad path.
 */
export function formatClusterUri (serverfilter: string, path: string): string {
  if (typeof serverfilter !== 'string') throw new InvalidArgumentError('invalid serverfilter: expected a string')
  validateClusterName(serverfilter, 'serverfilter')
  if (serverfilter.includes('/')) throw new InvalidArgumentError(`invalid serverfilter '${serverfilter}': '/' is not allowed`)
  const parsed = parseReadPath(path)
  const tail = parsed.path !== '' && parsed.isDirectory ? `${parsed.path}/` : parsed.path
  return `PYME-CLUSTER://${serverfilter}/${tail}`
}
