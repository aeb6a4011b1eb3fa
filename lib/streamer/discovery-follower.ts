/**
 * Feeds the streamer's node set from discovery (PROTOCOL.md §6.10: apply the cluster filter,
 * deterministic order). With `cluster`, discovery is started here (imported on demand, so the
 * package root never loads mDNS code unless asked) and closed on release; a `NodeDirectory`
 * given by the caller is followed and left running.
 */
import type { DataServerInfo, DiscoveryOptions, NodeDirectory } from '../discovery/index.js'

/** What the follower reports. */
export interface FollowerSink {
  add (url: string): void
  remove (url: string): void
  /** Discovery could not start (fatal for a streamer that has no other servers). */
  failed (err: unknown): void
  /** Whether the streamer still wants servers (not closed or destroyed). */
  wanted (): boolean
}

/** Follows one node directory. */
export class DiscoveryFollower {
  readonly #sink: FollowerSink
  #directory: NodeDirectory | null = null
  #owned = false
  readonly #onAdd = (s: DataServerInfo): void => { this.#sink.add(s.url) }
  readonly #onRemove = (s: DataServerInfo): void => { this.#sink.remove(s.url) }

  constructor (sink: FollowerSink) {
    this.#sink = sink
  }

  /** Follows a running directory: its current servers sorted by instance name, then its events. */
  follow (dir: NodeDirectory): void {
    this.#directory = dir
    const servers = [...dir.servers()].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    for (const s of servers) this.#sink.add(s.url)
    dir.on('add', this.#onAdd)
    dir.on('remove', this.#onRemove)
  }

  /**
   * Starts discovery for `cluster`, waits for its first settled answer (so the initial order is
   * the sorted one; files put meanwhile wait) and follows it.
   */
  start (cluster: string | DiscoveryOptions, timeoutMs: number): void {
    this.#owned = true
    import('../discovery/index.js')
      .then(async ({ startDiscovery }) => await startDiscovery(typeof cluster === 'string' ? { cluster } : cluster))
      .then(async (dir) => {
        await dir.waitForServers({ timeoutMs }).catch(() => { /* none yet: follow anyway; close() reports what waits */ })
        if (!this.#sink.wanted()) {
          await dir.close()
          return
        }
        this.follow(dir)
      }, (err: unknown) => { this.#sink.failed(err) })
  }

  /** Stops following; closes the directory if it was started here. */
  async release (): Promise<void> {
    const dir = this.#directory
    if (dir === null) return
    this.#directory = null
    dir.off('add', this.#onAdd)
    dir.off('remove', this.#onRemove)
    if (this.#owned) await dir.close()
  }
}
