/**
 * Which data server a new file goes to (PROTOCOL.md §5.8). PYME's `_chooseServer` writes to
 * the least recently written server (never-written first, ties in server order); round robin
 * and user functions are the alternatives. Servers that just failed to connect are skipped.
 */
import { InvalidArgumentError } from '../errors.js'
import type { DataServerInfo } from '../discovery/node-directory.js'

/** Picks the index (into `servers`) of the server for `path`. */
export type PutDistributionFn = (path: string, servers: readonly DataServerInfo[]) => number

/** A built-in policy or a function. */
export type PutDistribution = 'least-recently-written' | 'round-robin' | PutDistributionFn

export class PutPlanner {
  readonly #policy: PutDistribution
  readonly #lastWrite = new Map<string, number>()
  #next = 0
  #clock = 0

  constructor (policy: PutDistribution) {
    if (policy !== 'least-recently-written' && policy !== 'round-robin' && typeof policy !== 'function') {
      throw new InvalidArgumentError("invalid distribution: expected 'least-recently-written', 'round-robin' or a function")
    }
    this.#policy = policy
  }

  /** The server for `path` among `servers` minus `excluded` urls; undefined when none is left. */
  pick (path: string, servers: readonly DataServerInfo[], excluded: ReadonlySet<string>): DataServerInfo | undefined {
    const candidates = servers.filter((s) => !excluded.has(s.url))
    if (candidates.length === 0) return undefined
    const policy = this.#policy
    let chosen: DataServerInfo | undefined
    if (policy === 'round-robin') {
      chosen = candidates[this.#next++ % candidates.length]
    } else if (policy === 'least-recently-written') {
      let best = Number.POSITIVE_INFINITY
      for (const s of candidates) {
        const t = this.#lastWrite.get(s.url) ?? -1
        if (t < best) {
          best = t
          chosen = s
        }
      }
    } else {
      const i = policy(path, candidates)
      chosen = candidates[i]
      if (!Number.isInteger(i) || chosen === undefined) {
        throw new InvalidArgumentError(`invalid distribution: returned ${String(i)} for ${candidates.length} servers`)
      }
    }
    // A logical clock, not Date.now(): two writes within one millisecond must still alternate.
    if (chosen !== undefined) this.#lastWrite.set(chosen.url, this.#clock++)
    return chosen
  }
}
