/**
 * Response writing under the wire rules PYME's raw clients need (PROTOCOL.md §3.1, §6.4):
 * every response carries `Content-Length` (0 included) and is never chunked; small bodies go
 * out with their headers in one write (`res.end(buf)`), so no Nagle/delayed-ACK stall.
 * Header lines are `Name: value` (Node writes exactly one `": "`).
 */
import type { Http1Response } from './http1/http1-response.js'
import type { HttpFailure } from './http-failure.js'

export const JSON_TYPE = 'application/json; charset=utf-8'
const TEXT_TYPE = 'text/plain; charset=utf-8'

/** Sends `body` (or only its headers for HEAD) with an explicit Content-Length. */
export function sendBody (res: Http1Response, status: number, headers: Record<string, string | number>, body: Buffer, head: boolean): void {
  res.statusCode = status
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
  res.setHeader('Content-Length', body.length)
  if (head) res.end()
  else res.end(body)
}

/** Sends an empty response (`Content-Length: 0`), e.g. PUT 200 or 301. */
export function sendEmpty (res: Http1Response, status: number, headers: Record<string, string> = {}): void {
  res.statusCode = status
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
  res.setHeader('Content-Length', 0)
  res.end()
}

/** Sends an error: ASCII reason phrase, a one-line text body, `Connection: close` if asked. */
export function sendFailure (res: Http1Response, failure: HttpFailure, head: boolean): void {
  res.statusCode = failure.status
  res.statusMessage = failure.reason
  if (failure.closeConnection) res.setHeader('Connection', 'close')
  const body = Buffer.from(`${failure.status} ${failure.reason}\n`)
  res.setHeader('Content-Type', TEXT_TYPE)
  res.setHeader('Content-Length', body.length)
  if (head) res.end()
  else res.end(body)
}
