/**
 * Parses the head of one HTTP/1.1 request (RFC 9112 §3, §5, §6) as strictly as Node's llhttp
 * did for this server before it had its own engine, so that every client sees the same answers
 * (docs/server.md, "HTTP engine"):
 *
 *   request-line = method SP+ request-target SP+ HTTP/x.y CRLF     (x.y: 0.9, 1.0, 1.1, 2.0)
 *   header-line  = token ":" OWS value OWS CRLF                    (no obs-fold, no CTLs)
 *
 * Input is the head as a latin1 string without its final empty line; the caller has already
 * checked that every line ends in CRLF. The outcome is a `RequestHead`, or a `HeadFailure` with
 * the status the connection answers before closing (400, 501; 431 is decided by the caller).
 */

/** A request head the connection could not accept: answered with this status, then closed. */
export class HeadFailure {
  readonly status: number
  readonly reason: string

  constructor (status: number, reason: string) {
    this.status = status
    this.reason = reason
  }
}

export const BAD_REQUEST = new HeadFailure(400, 'Bad Request')
export const BAD_CONTENT_LENGTH = new HeadFailure(400, 'Bad Content-Length')
export const UNSUPPORTED_METHOD = new HeadFailure(501, 'Unsupported method')

/** One parsed request head. */
export interface RequestHead {
  readonly method: string
  /** The request target as sent. */
  readonly url: string
  readonly httpVersionMajor: number
  readonly httpVersionMinor: number
  /** Lower-cased names; repeated headers joined with ', ' (the first kept for single-valued ones), as Node does. */
  readonly headers: Record<string, string>
  /** Content-Length, or -1 without one. */
  readonly contentLength: number
  /** Transfer-Encoding ends in `chunked`. */
  readonly chunked: boolean
  /** The connection stays open after the answer (HTTP/1.1 unless `close`; HTTP/1.0 only with `keep-alive`). */
  readonly keepAlive: boolean
}

/**
 * Methods llhttp knows in HTTP mode: a request with one of these is parsed whole and answered by
 * the router (501 for all but GET, HEAD, PUT); any other token is refused while parsing.
 */
const KNOWN_METHODS = new Set([
  'CONNECT', 'DELETE', 'GET', 'HEAD', 'POST', 'PUT', 'OPTIONS', 'TRACE', 'COPY', 'LOCK', 'MKCOL', 'MOVE',
  'PROPFIND', 'PROPPATCH', 'SEARCH', 'UNLOCK', 'BIND', 'REBIND', 'UNBIND', 'ACL', 'REPORT',
  'MKACTIVITY', 'CHECKOUT', 'MERGE', 'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PATCH',
  'PURGE', 'MKCALENDAR', 'LINK', 'UNLINK', 'SOURCE', 'QUERY'
])

// Headers of which Node keeps only the first occurrence.
const SINGLE_VALUED = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host',
  'if-modified-since', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards',
  'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent'
])

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// A request line that is well-formed apart from its (unknown) method: PYME (CPython) answers 501.
const METHOD_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP\/\d\.\d$/
const REQUEST_LINE = /^([^ ]+) +([^ ]+) +HTTP\/(\d)\.(\d)$/
// Visible ASCII only: raw UTF-8, controls and DEL in a target are refused (clients percent-encode).
const TARGET = /^[\x21-\x7e]+$/
// Field values: HTAB, SP, visible ASCII and obs-text; no other controls.
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/
const DIGITS = /^[0-9]+$/
const MAX_CONTENT_LENGTH = 2 ** 64 - 1

/**
 * True when `text` (the start of a request line, no CRLF yet) can still become a valid one:
 * lets a connection refuse garbage (a TLS hello, a binary probe) at once instead of waiting for
 * a line end that may never come.
 */
export function plausibleLineStart (text: string): boolean {
  const sp = text.indexOf(' ')
  const method = sp < 0 ? text : text.slice(0, sp)
  return method === '' || TOKEN.test(method)
}

/** Parses a head (request line and header lines, CRLF-separated, without the final empty line). */
export function parseRequestHead (text: string): RequestHead | HeadFailure {
  const eol = text.indexOf('\r\n')
  const line = eol < 0 ? text : text.slice(0, eol)
  const m = REQUEST_LINE.exec(line)
  if (m === null) return METHOD_LINE.test(line) ? UNSUPPORTED_METHOD : BAD_REQUEST
  const method = m[1] as string
  const url = m[2] as string
  if (!TOKEN.test(method)) return BAD_REQUEST
  if (!KNOWN_METHODS.has(method)) return method === 'PRI' ? BAD_REQUEST : UNSUPPORTED_METHOD
  // A tunnel is not a request this server can answer and stay in step: refused, then closed.
  if (method === 'CONNECT') return UNSUPPORTED_METHOD
  if (!TARGET.test(url)) return BAD_REQUEST
  const major = Number(m[3])
  const minor = Number(m[4])
  if (!((major === 1 && minor <= 1) || (major === 0 && minor === 9) || (major === 2 && minor === 0))) return BAD_REQUEST

  const headers: Record<string, string> = {}
  let contentLength = -1
  let transferEncoding: string | undefined
  let connection = ''
  let at = eol < 0 ? text.length : eol + 2
  while (at < text.length) {
    let next = text.indexOf('\r\n', at)
    if (next < 0) next = text.length
    const colon = text.indexOf(':', at)
    if (colon < 0 || colon >= next) return BAD_REQUEST
    const rawName = text.slice(at, colon)
    if (!TOKEN.test(rawName)) return BAD_REQUEST
    const value = text.slice(colon + 1, next).replace(/^[ \t]+|[ \t]+$/g, '')
    if (BAD_VALUE.test(value)) return BAD_REQUEST
    const name = rawName.toLowerCase()
    if (name === 'content-length') {
      // A second Content-Length (even an equal one) or one after Transfer-Encoding is ambiguous framing.
      if (contentLength >= 0 || transferEncoding !== undefined || !DIGITS.test(value)) return BAD_CONTENT_LENGTH
      contentLength = Number(value)
      if (!(contentLength <= MAX_CONTENT_LENGTH)) return BAD_CONTENT_LENGTH
    } else if (name === 'transfer-encoding') {
      if (contentLength >= 0) return BAD_REQUEST
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`
    } else if (name === 'connection') {
      connection = connection === '' ? value.toLowerCase() : `${connection}, ${value.toLowerCase()}`
    }
    const prior = headers[name]
    if (prior === undefined) headers[name] = value
    else if (!SINGLE_VALUED.has(name)) headers[name] = `${prior}, ${value}`
    at = next + 2
  }

  let chunked = false
  if (transferEncoding !== undefined) {
    // Only `…, chunked` frames a request body; chunked elsewhere, or no chunked at all, cannot be framed.
    const codings = transferEncoding.toLowerCase().split(',').map((c) => c.trim())
    const last = codings.lastIndexOf('chunked')
    if (last !== codings.length - 1 || codings.indexOf('chunked') !== last) return BAD_REQUEST
    chunked = true
  }
  let keepAlive: boolean
  if (connection === '') {
    keepAlive = major === 1 && minor === 1
  } else {
    const tokens = connection.split(',').map((c) => c.trim())
    keepAlive = !tokens.includes('close') && ((major === 1 && minor === 1) || tokens.includes('keep-alive'))
  }
  return { method, url, httpVersionMajor: major, httpVersionMinor: minor, headers, contentLength, chunked, keepAlive }
}
