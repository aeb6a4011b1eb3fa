/**
 * `ClusterSource`: a series on a PYME cluster (`PYME-CLUSTER://<serverfilter>/<series>`),
 * read through the cluster client: the union listing of every server (fresh, not cached,
 * so a growing series is seen growing), files from wherever they are (local servers' files
 * straight from disk). Servers that do not answer are remembered from each listing
 * (`unreachable()`), so the reader can say "on a server that is not answering" rather than
 * "does not exist".
 */
import { InvalidArgumentError, NodeUnreachableError, NotFoundError } from '../errors.js'
import { Cluster } from '../cluster/cluster.js'
import type { ClusterOptions } from '../cluster/cluster-options.js'
import { formatClusterUri, parseClusterUri } from '../cluster/cluster-uri.js'
import { joinClusterPath, parseReadPath } from '../internal/cluster-path.js'
import type { SeriesSource } from './series-source.js'

/** Options of `ClusterSource.open`. */
export interface ClusterSourceOptions {
  /**
   * A connected `Cluster` to read through (left open by `close()`), or options for
   * `Cluster.connect` (the URI's serverfilter is the default cluster name), or a cluster name.
   * @default { cluster: <the URI's serverfilter> }
   */
  readonly cluster?: Cluster | ClusterOptions | string
  /** Static data servers (`http://host:port/`), shorthand for `cluster: { servers }`. */
  readonly servers?: readonly string[]
  /** How long the union listing may lag behind finished writes, ms. @default 1000 */
  readonly settleMs?: number
}

export class ClusterSource implements SeriesSource {
  readonly url: string
  readonly settleMs: number
  /** The series' cluster path. */
  readonly path: string
  readonly #cluster: Cluster
  readonly #owns: boolean
  #unreachable: readonly string[] = []

  private constructor (cluster: Cluster, owns: boolean, url: string, path: string, settleMs: number) {
    this.#cluster = cluster
    this.#owns = owns
    this.url = url
    this.path = path
    this.settleMs = settleMs
  }

  /** Parses the URI and connects (unless given a `Cluster`). `InvalidUriError` for a bad URI. */
  static async open (uri: string, options: ClusterSourceOptions = {}): Promise<ClusterSource> {
    const { serverfilter, path: rawPath } = parseClusterUri(uri)
    const path = parseReadPath(rawPath).path
    if (path === '') throw new InvalidArgumentError(`invalid series URI '${uri}': it names the cluster root`)
    const settleMs = options.settleMs ?? 1000
    if (!Number.isFinite(settleMs) || settleMs < 0) throw new InvalidArgumentError('invalid settleMs: expected a number >= 0')
    const url = formatClusterUri(serverfilter, path)
    const given = options.cluster
    if (given instanceof Cluster) return new ClusterSource(given, false, url, path, settleMs)
    if (given !== undefined && typeof given !== 'string' && (typeof given !== 'object' || given === null)) {
      throw new InvalidArgumentError('invalid cluster: expected a Cluster, cluster options or a cluster name')
    }
    const base: ClusterOptions = typeof given === 'string' ? { cluster: given } : given ?? {}
    const connectOptions: ClusterOptions = {
      ...(serverfilter === '' ? {} : { cluster: serverfilter }),
      ...base,
      ...(options.servers === undefined ? {} : { servers: options.servers })
    }
    return new ClusterSource(await Cluster.connect(connectOptions), true, url, path, settleMs)
  }

  async list (): Promise<readonly string[]> {
    const listing = await this.#cluster.listDirectory(this.path, { fresh: true })
    const silent = listing.unreachable.map((f) => f.server.url)
    this.#unreachable = silent
    if (!listing.exists) {
      if (silent.length > 0) {
        throw new NodeUnreachableError(`series ${this.url} is not on any answering server; ${silent.length} server${silent.length === 1 ? '' : 's'} not answering: ${silent.join(', ')}`, { cause: listing.unreachable[0]?.error })
      }
      throw new NotFoundError(`series ${this.url} does not exist on any server`)
    }
    return listing.entries.filter((e) => !e.isDirectory).map((e) => e.name)
  }

  /** The servers that did not answer the last `list()`. */
  unreachable (): readonly string[] {
    return this.#unreachable
  }

  async read (name: string): Promise<Uint8Array> {
    return await this.#cluster.getFile(joinClusterPath(this.path, name))
  }

  async exists (name: string): Promise<boolean> {
    return await this.#cluster.exists(joinClusterPath(this.path, name))
  }

  /** Closes the cluster client it connected (not one it was given). */
  async close (): Promise<void> {
    if (this.#owns) await this.#cluster.close()
  }
}

