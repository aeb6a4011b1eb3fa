/**
 * `SeriesStore`: where a `SeriesBackend` puts the files of one series. The backend owns the
 * series logic (metadata, frame validation and encoding, ordering, accounting); a store only
 * writes named, write-once files. Built in: `MemoryStore`, `FolderStore`; a cluster store
 * puts the same files on data servers.
 *
 * Ordering is the backend's job: it calls `create()` once, writes metadata.json and waits for
 * it, then frames (concurrently, bounded by the backend's window), then final_metadata.json
 * and events.json only after every frame write has settled.
 */

export interface SeriesStore {
  /** The series URL (`Backend.getURL()`). */
  readonly url: string
  /** Prepares an empty series; rejects `AlreadyExistsError` when the series exists. */
  create (): Promise<void>
  /**
   * Writes one file of the series, write-once: rejects `AlreadyExistsError` if `name` exists.
   * Resolves when the file is stored. The store must not modify `data`, and may keep it.
   * `frameIndex` is given for frame files (a distribution hint, as PYME puts frame `n` with
   * `i = n`; PROTOCOL.md §7.3), undefined for metadata and events.
   */
  write (name: string, data: Uint8Array, frameIndex?: number): Promise<void>
  /** Releases resources after the last write. */
  close (): Promise<void>
  /** Releases resources now; writes in progress may fail. */
  destroy (err?: Error): void
}
