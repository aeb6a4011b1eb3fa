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
