/**
 * pyme-cluster/server: the PYME-compatible data server (PROTOCOL.md §3, §4.2, §4.4, §9).
 * Explicit named exports only.
 */
export { startDataServer, requestChannel, requestStartChannel } from './data-server.js'
export type { DataServer, RequestMessage } from './data-server.js'
export { defaultDataRoot, DEFAULT_PORT } from './server-options.js'
export type { AdvertiseMode, DataServerOptions } from './server-options.js'
export { ListingFlags } from './directory-scan.js'
