/**
 * Writing new files (PROTOCOL.md §5.8) without PYME's write-once holes: a name this client
 * knows anywhere in the cluster is refused before anything is sent (with
 * `existenceCheck: 'cluster'`, after asking every server); the server's 405 is
 * AlreadyExistsError too. Another server is tried only when a connection could not be made,
 * so nothing was sent; after that the outcome is the server's, which keeps only complete
 * uploads. A written file shows in this client's listings at once.
 */
import type { Readable } from 'node:stream'
import { AlreadyExistsError, ClosedError, DestroyedError, InvalidArgumentError, NodeUnreachableError, type PymeError } from '../errors.js'
import type { DataServerInfo } from '../discovery/node-directory.js'
import { encodeClusterPath, splitClusterPath } from '../internal/cluster-path.js'
import { parseServerAddress } from '../internal/server-address.js'
import type { ClusterContext } from './cluster-context.js'
import type { PutOptions, PutResult } from './cluster-types.js'
import { isConnectFailure } from './node-client.js'
import { PutPlanner } from './put-distribution.js'
import type { UnionListing } from './union-listing.js'

export class FileWriter {
  readonly #ctx: ClusterContext
  readonly #union: UnionListing
  readonly #planner: PutPlanner

  constructor (ctx: ClusterContext, union: UnionListing) {
    this.#ctx = ctx
    this.#union = union
    this.#planner = new PutPlanner(ctx.opts.distribution)
  }

  /** Writes `size` bytes of `body` as the new file `path` (a normalised write path). */
  async put (path: string, body: Uint8Array | Readable, size: number, options: PutOptions): Promise<PutResult> {
    const ctx = this.#ctx
    const [dir, base] = splitClusterPath(path)
    await this.#checkNew(path, dir, base)
    const servers = await ctx.live()
    const timeoutMs = options.timeoutMs ?? ctx.opts.putTimeoutMs
    let pinned: DataServerInfo | undefined
    if (options.server !== undefined) {
      const want = parseServerAddress(options.server, 'server').url
      pinned = servers.find((s) => s.url === want)
      if (pinned === undefined) throw new InvalidArgumentError(`invalid server: ${want} is not one of the live servers (${ctx.where()})`)
    }
    const excluded = new Set<string>()
    let last: PymeError | undefined
    for (let attempt = 0; attempt < ctx.opts.putRetries; attempt++) {
      const server = pinned ?? this.#planner.pick(path, servers, excluded)
      if (server === undefined) break
      try {
        await ctx.nodes.client(server).write(path, body, size, { timeoutMs, signal: ctx.signal })
      } catch (err) {
        if (err instanceof AlreadyExistsError) {
          ctx.listings.forget(server.url, dir)
          throw new AlreadyExistsError(`'${path}' already exists in ${ctx.where()} (on ${server.url})`, { cause: err })
        }
        if (err instanceof DestroyedError || err instanceof ClosedError) throw err
        last = ctx.failed(server, err).error
        const resendable = body instanceof Uint8Array || !(body as Readable).readableDidRead
        if (pinned !== undefined || !isConnectFailure(err) || !resendable) throw last
        excluded.add(server.url)
        continue
      }
      ctx.listings.recordWrite(server.url, path, size)
      ctx.locations.set(path, [server.url])
      return { path, url: server.url + encodeClusterPath(path), server, size }
    }
    // The loop ends early only once every server was excluded after a failure.
    throw last as PymeError
  }

  async #checkNew (path: string, dir: string, base: string): Promise<void> {
    const ctx = this.#ctx
    const exists = (where: string): AlreadyExistsError =>
      new AlreadyExistsError(`'${path}' already exists in ${ctx.where()} (${where})`)
    const known = ctx.locations.peek(path)
    if (known !== undefined && known.length > 0) throw exists(`on ${known.join(', ')}`)
    for (const s of ctx.dir.servers()) {
      const seen = ctx.listings.peek(s.url, dir)?.listing
      if (seen?.has(base) === true || seen?.has(`${base}/`) === true) throw exists(`listed by ${s.url}`)
    }
    if (ctx.opts.existenceCheck !== 'cluster') return
    const g = await this.#union.gather(dir, true)
    if (g.failures.length > 0) {
      throw new NodeUnreachableError(`cannot check that '${path}' is new: ${g.failures.map((f) => f.error.message).join('; ')}`, { cause: g.failures[0]?.error })
    }
    const merged = this.#union.merge(dir, g)
    if (merged.has(base) || merged.has(`${base}/`)) throw exists('listed by a server')
  }
}
