/**
 * Distribution functions: which data server a file goes to (PROTOCOL.md §6.7, §7.3).
 *
 * Signature `(nNodes, { index, path, nodes }) => nodeIndex`, a superset of PYME's
 * `fn(n_servers, i=None)`: `index` is PYME's `i` (the frame index, `undefined` for files such as
 * metadata), `nodes` is a read-only view of every node's state for load-aware choices. The
 * result must be an integer in `[0, nNodes)`; anything else fails that one file.
 */

/** Health of one data server as the streamer sees it. */
export type NodeState = 'up' | 'down' | 'full' | 'removed'

/** Read-only state of one node, given to distribution functions. */
export interface NodeView {
  /** `http://host:port/` */
  readonly url: string
  readonly state: NodeState
  /** Requests written and not yet answered. */
  readonly inFlight: number
  readonly inFlightBytes: number
  /** Files routed to this node and not yet written. */
  readonly queued: number
  readonly queuedBytes: number
  /** The in-flight window and the queue are both full: new files should go elsewhere. */
  readonly saturated: boolean
}

/** What a distribution function is told about one file. */
export interface DistributionContext {
  /** Frame index (PYME's `i`), `undefined` for files put without one. */
  readonly index: number | undefined
  /** Normalised cluster path of the file. */
  readonly path: string
  /** Every node, in the streamer's (deterministic) order. */
  readonly nodes: readonly NodeView[]
}

/** Chooses a node index in `[0, nNodes)` for one file. */
export type DistributionFn = (nNodes: number, context: DistributionContext) => number

/** Names of the built-in distributions accepted by the `distribution` option. */
export type DistributionName = 'round-robin' | 'chunked' | 'random' | 'least-loaded'

/** PYME's `distfcn_random`: a uniformly random node for every file. */
export const randomDistribution: DistributionFn = (nNodes) => Math.floor(Math.random() * nNodes)

/** PYME's Streamer default: `index mod N`, random when there is no index. */
export const roundRobinDistribution: DistributionFn = (nNodes, { index }) =>
  index === undefined ? Math.floor(Math.random() * nNodes) : index % nNodes

/**
 * PYME acquisition's blocks: `floor(index / chunkSize) mod N` (random without an index), so that
 * runs of `chunkSize` consecutive frames share a server (data locality for analysis).
 * @param chunkSize frames per block; PYME's `httpspooler-chunksize` is 50.
 */
export function chunkedDistribution (chunkSize = 50): DistributionFn {
  return (nNodes, { index }) =>
    index === undefined ? Math.floor(Math.random() * nNodes) : Math.floor(index / chunkSize) % nNodes
}

/**
 * The node with the fewest bytes queued and in flight among those that are up and not
 * saturated (lowest index on ties, so the choice is reproducible); when none is, the least
 * loaded node that is up, else node 0 (the streamer then parks the file until a node returns).
 */
export const leastLoadedDistribution: DistributionFn = (nNodes, { nodes }) => {
  let best = -1
  let bestLoad = Infinity
  let bestSaturated = true
  for (let i = 0; i < nNodes; i++) {
    const n = nodes[i]
    if (n === undefined || n.state !== 'up') continue
    const load = n.inFlightBytes + n.queuedBytes
    // Prefer any unsaturated node over a saturated one, then the lower load.
    if ((bestSaturated && !n.saturated) || (bestSaturated === n.saturated && load < bestLoad)) {
      best = i
      bestLoad = load
      bestSaturated = n.saturated
    }
  }
  return best < 0 ? 0 : best
}

/** Turns the `distribution` option into a function. */
export function resolveDistribution (option: DistributionName | DistributionFn, chunkSize: number): DistributionFn {
  if (typeof option === 'function') return option
  switch (option) {
    case 'round-robin': return roundRobinDistribution
    case 'chunked': return chunkedDistribution(chunkSize)
    case 'random': return randomDistribution
    case 'least-loaded': return leastLoadedDistribution
  }
}

/**
 * The node a file actually goes to: the chosen one when it is up and not saturated, else the
 * next one after it (in order, wrapping) that is; when every up node is saturated, the first up
 * node from the chosen one (the byte budget bounds its queue). `-1` when no node is up.
 */
export function rerouteFrom (chosen: number, nodes: readonly NodeView[]): number {
  const n = nodes.length
  let firstUp = -1
  for (let k = 0; k < n; k++) {
    const i = (chosen + k) % n
    const node = nodes[i] as NodeView
    if (node.state !== 'up') continue
    if (!node.saturated) return i
    if (firstUp < 0) firstUp = i
  }
  return firstUp
}
