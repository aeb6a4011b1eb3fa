/**
 * Waits for the data server's `pyme:server:request` message of one request, so tests can
 * wait for an outcome the client cannot see (e.g. after it reset the connection).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { RequestMessage } from '../../lib/server/index.js'

export function nextRequest (match: (m: RequestMessage) => boolean): Promise<RequestMessage> {
  return new Promise((resolve) => {
    const listener = (message: unknown): void => {
      const m = message as RequestMessage
      if (!match(m)) return
      unsubscribe('pyme:server:request', listener)
      resolve(m)
    }
    subscribe('pyme:server:request', listener)
  })
}

/**
 * Resolves when an in-process data server has parsed the head of a request for `url`
 * (its `pyme:server:request-start` channel): from then on the request is in flight.
 */
export function requestStarted (url: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (message: unknown): void => {
      if ((message as { url: string }).url !== url) return
      unsubscribe('pyme:server:request-start', listener)
      resolve()
    }
    subscribe('pyme:server:request-start', listener)
  })
}
