/**
 * `node:diagnostics_channel` channels of the streamer (STYLE.md §2.11). Publishing costs one
 * `hasSubscribers` check when nobody listens.
 *
 * - `pyme:streamer:send`  `{ path, node, bytes, attempt }` when a PUT is handed to the socket
 * - `pyme:streamer:ack`   `{ path, node, bytes, attempts, verified }` when a file is stored
 * - `pyme:streamer:retry` `{ path, node, attempt, error }` when a file is re-sent elsewhere
 * - `pyme:streamer:drop`  `{ path, bytes, reason }` when a file is dropped or fails for good
 */
import { channel } from 'node:diagnostics_channel'

export const sendChannel = channel('pyme:streamer:send')
export const ackChannel = channel('pyme:streamer:ack')
export const retryChannel = channel('pyme:streamer:retry')
export const dropChannel = channel('pyme:streamer:drop')
