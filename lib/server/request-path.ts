/**
 * Request target → cluster path, as PYME's server translates it (PROTOCOL.md §2.3), so that
 * PYME clients see the same name → file mapping:
 *
 *   1. drop everything from the first `?`, then from the first `#`
 *   2. remember a trailing `/` (after trailing white space)
 *   3. percent-decode as UTF-8
 *   4. normalise: `.`, `..` and empty components are dropped (`..` cannot climb above the root)
 *
 * Ours on top (§2.3 MUST/SHOULD): NUL, other control characters, backslashes and invalid
 * UTF-8 escapes are refused with 400 instead of crashing or meaning different files on
 * different platforms.
 */
import { HttpFailure } from './http-failure.js'

/** A translated request target. */
export interface RequestPath {
  /** Normalised path components (no `.`, `..` or empty ones); `[]` is the root. */
  readonly segments: readonly string[]
  /** The path (before the query) ended with `/`. */
  readonly trailingSlash: boolean
  /** The raw query string without `?` (`''` when there is none). */
  readonly query: string
}

// C0 controls and DEL: never part of a name we store or serve.
const CONTROL = /[\u0000-\u001f\u007f]/

/** The raw target without leading slashes, as PYME's routing compares it (`lstrip('/')`). */
export function routingPath (target: string): string {
  return stripAbsoluteForm(target).replace(/^\/+/, '')
}

function stripAbsoluteForm (target: string): string {
  // `GET http://host:port/path HTTP/1.1` (absolute-form) addresses the same path.
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(target)
  return m === null ? target : target.slice(m[0].length)
}

/** Translates a request target (or the part after an endpoint prefix). Throws HttpFailure 400. */
export function translateRequestPath (target: string): RequestPath {
  let path = stripAbsoluteForm(target)
  const h = path.indexOf('#')
  if (h >= 0) path = path.slice(0, h)
  let query = ''
  const q = path.indexOf('?')
  if (q >= 0) {
    query = path.slice(q + 1)
    path = path.slice(0, q)
  }
  const trailingSlash = path.trimEnd().endsWith('/')
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    throw new HttpFailure(400, 'Bad percent-encoding in path')
  }
  if (decoded.includes('\u0000')) throw new HttpFailure(400, 'NUL in path')
  if (CONTROL.test(decoded)) throw new HttpFailure(400, 'Control character in path')
  if (decoded.includes('\\')) throw new HttpFailure(400, 'Backslash in path')
  const segments: string[] = []
  for (const part of decoded.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      segments.pop()
      continue
    }
    segments.push(part)
  }
  return { segments, trailingSlash, query }
}

/** Percent-encodes a path component for a `Location` header (unreserved characters stay). */
export function encodeSegment (segment: string): string {
  return segment.replace(/[^A-Za-z0-9_.~-]/gu, (c) => encodeURIComponent(c))
}
