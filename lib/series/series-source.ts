/**
 * `SeriesSource`: how a `SeriesReader` reaches the files of one series. Built in: a local
 * folder (`FolderSource`), a `MemoryBackend`'s store, and the cluster (`ClusterSource`).
 */

export interface SeriesSource {
  /** The series URL, for messages (`file:///…`, `PYME-CLUSTER://…`, `memory://…`). */
  readonly url: string
  /**
   * How long a listing may lag behind writes that already finished (a union listing over
   * several servers, with their caches). The reader re-lists after this long before it
   * trusts the frame count of a complete series. 0 for local sources.
   */
  readonly settleMs: number
  /** Names of the files in the series directory. `NotFoundError` when the series does not exist. */
  list (): Promise<readonly string[]>
  /** The bytes of one file of the series; `NotFoundError` when it does not exist. */
  read (name: string): Promise<Uint8Array>
  /**
   * Servers that did not answer the last `list()` (`http://host:port/`), for sources spread over
   * servers: a file missing from the listing may be on one of them. Sources on one disk leave it out.
   */
  unreachable?: () => readonly string[]
  /** Whether one file of the series exists. */
  exists (name: string): Promise<boolean>
  /** Releases what the source holds. */
  close (): Promise<void>
}
