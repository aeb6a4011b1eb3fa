/**
 * Small helpers the gateway's handlers share: writing with backpressure (a client that goes
 * away rejects the pending write instead of leaving it waiting), plain answers, and the
 * mapping from the library's errors to HTTP statuses.
 */
import type { ServerResponse } from 'node:http'
import { PymeError } from '../errors.js'

/** The client closed the connection before the answer was complete. */
export class ClientGoneError extends Error {
  constructor () {
    super('the client closed the connection')
    this.name = 'ClientGoneError'
  }
}

/** Writes `chunk`; resolves at once, or after 'drain' when the socket buffer is full. */
export function writeChunk (res: ServerResponse, chunk: Uint8Array | string): Promise<void> {
  if (res.destroyed || res.writableEnded) return Promise.reject(new ClientGoneError())
  if (res.write(chunk)) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const done = (): void => {
      res.off('drain', onDrain)
      res.off('close', onClose)
    }
    const onDrain = (): void => { done(); resolve() }
    const onClose = (): void => { done(); reject(new ClientGoneError()) }
    res.on('drain', onDrain)
    res.on('close', onClose)
  })
}

/** Ends the response with a short plain-text body (and any extra headers). */
export function sendText (res: ServerResponse, status: number, text: string, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = Buffer.from(text.endsWith('\n') || text === '' ? text : text + '\n')
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(body.length) })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}

/** The HTTP status for a failure of the cluster behind the gateway. */
export function statusOf (err: unknown): number {
  if (!(err instanceof PymeError)) return 500
  switch (err.code) {
    case 'PYME_ERR_NOT_FOUND': return 404
    case 'PYME_ERR_INVALID_NAME':
    case 'PYME_ERR_INVALID_URI':
    case 'PYME_ERR_INVALID_ARGUMENT': return 400
    case 'PYME_ERR_TIMEOUT': return 504
    case 'PYME_ERR_NO_SERVERS':
    case 'PYME_ERR_NODE_UNREACHABLE':
    case 'PYME_ERR_HTTP_STATUS':
    case 'PYME_ERR_PZF_FORMAT':
    case 'PYME_ERR_PZF_LIMIT':
    case 'PYME_ERR_SERIES_FORMAT':
    case 'PYME_ERR_ENCODE':
    case 'PYME_ERR_WORKER': return 502
    case 'PYME_ERR_CLOSED':
    case 'PYME_ERR_DESTROYED': return 503
    default: return 500
  }
}

/** Answers a failure: a status and a one-line reason (with the error code), or a cut connection once the body has started. */
export function sendError (res: ServerResponse, err: unknown): void {
  if (err instanceof ClientGoneError || res.destroyed) return
  const status = statusOf(err)
  const code = err instanceof PymeError ? ` (${err.code})` : ''
  const message = err instanceof Error ? err.message : String(err)
  sendText(res, status, `${message}${code}`)
}
