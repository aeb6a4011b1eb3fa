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

import type { PzfEncodeOptions } from '../pzf/encode-pzf.js'
import type { PzfPixels } from '../pzf/format.js'
import type { PixelHandover } from '../streamer/frame-encoder.js'

export interface SeriesStore {
  /** The series URL (`Backend.getURL()`). */
  readonly url: string
  /**
   * Whether the store keeps the bytes it is given (a memory store): the backend then hands it
   * fresh memory for every file. Otherwise the backend reuses a file's memory once `write`
   * (or `writeFrame`) resolved or rejected.
   */
  readonly retains: boolean
  /** Prepares an empty series; rejects `AlreadyExistsError` when the series exists. */
  create (): Promise<void>
  /**
   * Writes one file of the series, write-once: rejects `AlreadyExistsError` if `name` exists.
   * Resolves when the file is stored. The store must not modify `data`, and may keep it.
   * `frameIndex` is given for frame files (a distribution hint, as PYME puts frame `n` with
   * `i = n`; PROTOCOL.md §7.3), undefined for metadata and events.
   */
  write (name: string, data: Uint8Array, frameIndex?: number): Promise<void>
  /**
   * Stores frame `frameIndex` from its pixels, encoding them itself (a store with an encoder of
   * its own: the cluster store hands them to its Streamer, whose memory budget and overflow
   * policy then see the frame from the moment it is taken). The pixels are taken as `handover`
   * says (copied, kept, or lent and given back exactly once, also when this rejects) before this
   * returns. Resolves to the bytes stored. Stores without it get encoded bytes through `write`.
   */
  writeFrame?: (name: string, pixels: PzfPixels, frameIndex: number, encode: PzfEncodeOptions, handover: PixelHandover) => Promise<number>
  /**
   * Creates the memory that `writeFrame` copies raw frames of `pixelBytes` pixel bytes into, for
   * up to `count` frames, before they come (see the backend option `preallocate`). Resolves to
   * the number of buffers created. Stores with `writeFrame` have it.
   */
  preallocate?: (pixelBytes: number, count: number) => Promise<number>
  /**
   * The backend's `finalize()` has begun: a store with a time limit on its writes (the cluster
   * store's `closeTimeoutMs`) starts its one deadline now, so that the frames still pending, the
   * last files and the store's own close all end by it. Stores without one leave it out.
   */
  beginClose?: () => void
  /** Releases resources after the last write. */
  close (): Promise<void>
  /** Releases resources now; writes in progress may fail. */
  destroy (err?: Error): void
}
