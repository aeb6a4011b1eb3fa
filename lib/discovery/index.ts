/**
 * pyme-cluster/discovery: finding the data servers of a cluster (PROTOCOL.md §4).
 * Kept on its own subpath so that importing the package root never opens a multicast socket;
 * nothing here opens a socket until `startDiscovery` is called.
 */
export { startDiscovery } from './start-discovery.js'
export type { DiscoveryOptions } from './start-discovery.js'
export { NodeDirectory } from './node-directory.js'
export type {
  DataServerInfo,
  KnownServer,
  DiscoverySourceKind,
  NodeDirectoryOptions,
  WaitForServersOptions,
  ProbeFn,
  ServerCandidate,
  CandidateSink,
  DiscoverySource
} from './node-directory.js'
export { resolveDefaultCluster, pymeConfigFiles } from './default-cluster.js'
export type { DefaultClusterOptions } from './default-cluster.js'
// One parser for every way a user names a data server (host:port, host, http://host:port/).
export { parseServerAddress, parseServerList, serverUrl, DEFAULT_DATA_SERVER_PORT } from '../internal/server-address.js'
export type { ServerAddress } from '../internal/server-address.js'
export { tcpProbe } from './tcp-probe.js'
export type { ProbeResult } from './tcp-probe.js'
