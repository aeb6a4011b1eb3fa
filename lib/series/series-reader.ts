/**
 * `SeriesReader`: reads a series back (PROTOCOL.md §8), from a local folder, a
 * `PYME-CLUSTER://` URI, or any `SeriesSource`; series written by PYME or by us.
 *
 * Where PYME's `ClusterPZFDataSource` trusts one listing (and so can keep a truncated frame
 * count forever, §8 "Race"), we:
 * - count frames as `max(frame index) + 1` and report the gaps: `missingFrames` (absent, for good
 *   when final_metadata.json records them as never stored) apart from `unreachableFrames` (absent
 *   from the servers that answered while some server did not: they may be there);
 * - call a series complete only when events.json exists *and* two listings taken
 *   `source.settleMs` apart agree (and, for our own series, reach the `FramesStored` count
 *   recorded in final_metadata.json), re-listing a bounded number of times;
 * - read metadata leniently (`NaN`, big ints, float-ness kept).
 *
 * Frames are decoded with `decodePzf` and returned in its shape (`data` in the stored memory
 * order, `shape [Width, Height, Depth]`); PYME series and ours alike. Opened with a `dtype`, the
 * reader is a `SeriesReader<Uint16Array>` (say) and checks every frame against it, so
 * `frame.data` is typed without a cast.
 */
import { stat } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { ClosedError, InvalidArgumentError, NodeUnreachableError, NotFoundError, SeriesFormatError } from '../errors.js'
import { decodePzf, decodePzfInto, decodedPzfLength, type DecodedPzf, type PzfDecodeLimits } from '../pzf/decode-pzf.js'
import { readPzfHeader, type PzfDtype, type PzfPixels, type PzfPixelsOf } from '../pzf/format.js'
import { FrameIndexSet } from '../internal/frame-index-set.js'
import { isClusterUri } from '../cluster/cluster-uri.js'
import { parseEvents, type SeriesEvent } from '../internal/event-log.js'
import { inRanges, parseRanges, type FrameRange } from './frame-ranges.js'
import { FolderSource } from './folder-source.js'
import { MetaDataHandler } from './metadata-handler.js'
import { EVENTS_FILE, FINAL_METADATA_FILE, frameFileName, MAX_FRAME_INDEX, METADATA_FILE, parseFrameFileName } from '../internal/series-layout.js'
import type { ClusterSourceOptions } from './cluster-source.js'
import type { SeriesSource } from './series-source.js'

/** Options of `SeriesReader`; `cluster`, `servers` and `settleMs` apply to `PYME-CLUSTER://` URIs. */
export interface SeriesReaderOptions extends ClusterSourceOptions {
  /**
   * The pixel type the series must have: the reader is then typed by it (`frame.data` a
   * `Uint16Array` for `'uint16'`) and refuses a frame of another type (`SeriesFormatError`; at
   * open when metadata.json records another `pyme-cluster.DataType`). @default any type (`PzfPixels`)
   */
  readonly dtype?: PzfDtype
  /** Limits for every frame decode (`decodePzf`). @default decodePzf's defaults */
  readonly limits?: PzfDecodeLimits
  /**
   * Listings taken (`source.settleMs` apart) before the frame count of a complete series is
   * trusted even though it does not reach the recorded `FramesStored`.
   * @default 5
   */
  readonly settleAttempts?: number
}

/** Options of `SeriesReader.frames()`. */
export interface SeriesFramesOptions {
  /** Keep waiting for new frames until the series is complete. @default false */
  readonly follow?: boolean
  /** How often to re-list while following. @default 1000 */
  readonly pollMs?: number
  /** Stops following (the iterator rejects with the abort reason). */
  readonly signal?: AbortSignal
  /**
   * Decode every frame into one buffer the reader keeps (grown to the largest frame, no
   * allocation per frame): each yielded frame's `data` is valid until the next one.
   * @default false
   */
  readonly reuse?: boolean
}

/** What `refresh()` found. */
export interface SeriesStatus {
  readonly complete: boolean
  readonly frameCount: number
  /** Frames `0 .. n-1` that are all present. */
  readonly contiguousFrames: number
  /** Indices below `frameCount` with no frame file, and none on a server that did not answer (`missingFrames`). */
  readonly missingCount: number
  /** Indices below `frameCount` with no frame file on the servers that answered, that may be on one that did not (`unreachableFrames`). */
  readonly unreachableCount: number
  /** Servers that did not answer the last listing (`http://host:port/`). */
  readonly unreachableServers: readonly string[]
}

const MAX_MISSING_LISTED = 1000
const textDecoder = new TextDecoder()

function numberEntry (mdh: MetaDataHandler | undefined, key: string): number | undefined {
  const v = mdh?.get(key)
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined
}

const DTYPES: ReadonlySet<unknown> = new Set(['uint8', 'uint16', 'float32'])

/** A series read back; `T` is the pixel array of its frames (`PzfPixels`, any, unless opened with a `dtype`). */
export class SeriesReader<T extends PzfPixels = PzfPixels> {
  /** The series URL (`file:///…`, `PYME-CLUSTER://…`, `memory://…`). */
  readonly url: string
  /** metadata.json, read leniently. */
  readonly metadata: MetaDataHandler
  readonly #source: SeriesSource
  readonly #ownsSource: boolean
  readonly #limits: PzfDecodeLimits | undefined
  readonly #settleAttempts: number
  readonly #dtype: PzfDtype | undefined
  #present = new FrameIndexSet()
  #complete = false
  #finalMetadata: MetaDataHandler | undefined
  #frameCount = 0
  #contiguous = 0
  #closed = false
  /** Servers that did not answer the last listing. */
  #unreachable: readonly string[] = []
  /** final_metadata.json's `pyme-cluster.FramesNotStored`: frames absent for good. */
  #notStored: FrameRange[] | undefined
  /** The buffer `frames({ reuse: true })` decodes into. */
  #frameBuffer = new Uint8Array(0)

  private constructor (source: SeriesSource, ownsSource: boolean, metadata: MetaDataHandler, options: SeriesReaderOptions) {
    this.#source = source
    this.#ownsSource = ownsSource
    this.url = source.url
    this.metadata = metadata
    this.#limits = options.limits
    this.#settleAttempts = options.settleAttempts ?? 5
    this.#dtype = options.dtype
  }

  /**
   * Opens a series: `PYME-CLUSTER://<serverfilter>/<series>` (through a `Cluster`: the one
   * given as `options.cluster`, else one connected with `options.cluster` / `servers` and the
   * URI's serverfilter as cluster name, closed again by `close()`), a local directory path, a
   * local `.h5` file (PYME's HDF5 series layout), or a `file://` URL. Reads metadata.json (a `NotFoundError` when there is none: not a series)
   * and lists the frames.
   */
  static async open<D extends PzfDtype> (uriOrPath: string, options: SeriesReaderOptions & { readonly dtype: D }): Promise<SeriesReader<PzfPixelsOf<D>>>
  static async open (uriOrPath: string, options?: SeriesReaderOptions): Promise<SeriesReader>
  static async open (uriOrPath: string, options: SeriesReaderOptions = {}): Promise<SeriesReader> {
    if (typeof uriOrPath !== 'string' || uriOrPath === '') throw new InvalidArgumentError('invalid series: expected a path or URI')
    if (isClusterUri(uriOrPath)) {
      // Loaded on demand: reading a local series never loads the cluster client.
      const { ClusterSource } = await import('./cluster-source.js')
      return await SeriesReader.#open(await ClusterSource.open(uriOrPath, options), true, options)
    }
    const path = /^file:/i.test(uriOrPath) ? fileURLToPath(uriOrPath) : uriOrPath
    if (path.endsWith('.h5') && (await stat(path).catch(() => undefined))?.isFile() === true) {
      // One HDF5 file (PYME's cluster_h5 layout): h5wasm is loaded only for these.
      const { H5Source } = await import('./h5-source.js')
      return await SeriesReader.#open(new H5Source(path), true, options)
    }
    return await SeriesReader.#open(new FolderSource(path), true, options)
  }

  /** Opens a series through any `SeriesSource` (e.g. `MemoryBackend.source`); the caller keeps owning it. */
  static async fromSource<D extends PzfDtype> (source: SeriesSource, options: SeriesReaderOptions & { readonly dtype: D }): Promise<SeriesReader<PzfPixelsOf<D>>>
  static async fromSource (source: SeriesSource, options?: SeriesReaderOptions): Promise<SeriesReader>
  static async fromSource (source: SeriesSource, options: SeriesReaderOptions = {}): Promise<SeriesReader> {
    return await SeriesReader.#open(source, false, options)
  }

  static async #open (source: SeriesSource, owns: boolean, options: SeriesReaderOptions): Promise<SeriesReader> {
    const attempts = options.settleAttempts ?? 5
    if (!Number.isSafeInteger(attempts) || attempts < 1) throw new InvalidArgumentError('invalid settleAttempts: expected an integer >= 1')
    if (options.dtype !== undefined && !DTYPES.has(options.dtype)) throw new InvalidArgumentError("invalid dtype: expected 'uint8', 'uint16' or 'float32'")
    try {
      let text: string
      try {
        text = textDecoder.decode(await source.read(METADATA_FILE))
      } catch (err) {
        if (err instanceof NotFoundError) throw new NotFoundError(`${source.url} is not a series: it has no ${METADATA_FILE}`, { cause: err })
        if (err instanceof NodeUnreachableError) throw new NodeUnreachableError(`${source.url} cannot be opened: ${err.message}`, { cause: err })
        throw err
      }
      const metadata = MetaDataHandler.parse(text, `${source.url}/${METADATA_FILE}`)
      const recorded = metadata.get('pyme-cluster.DataType')
      if (options.dtype !== undefined && typeof recorded === 'string' && recorded !== options.dtype) {
        throw new SeriesFormatError(`${source.url} holds ${recorded} frames, not the ${options.dtype} asked for`)
      }
      const reader = new SeriesReader(source, owns, metadata, options)
      await reader.refresh()
      return reader
    } catch (err) {
      if (owns) await source.close()
      throw err
    }
  }

  #assertOpen (): void {
    if (this.#closed) throw new ClosedError('series reader is closed')
  }

  /** True once events.json exists and the frame listing has settled (as of the last refresh). */
  get isComplete (): boolean { return this.#complete }

  /** Number of frames: `max(index) + 1` (at least the recorded `FrameCount` of a complete series of ours). */
  get frameCount (): number { return this.#frameCount }

  /** Frames `0 .. n-1` all present (what a live reader can read without gaps). */
  get contiguousFrames (): number { return this.#contiguous }

  /**
   * Indices below `frameCount` with no frame file (first 1000), except those that may be on a
   * server that did not answer (`unreachableFrames`): with every server answering, every gap;
   * else the frames final_metadata.json records as never stored.
   */
  get missingFrames (): number[] { return this.#absent(false) }

  /**
   * Indices below `frameCount` not on the servers that answered the last listing, while some
   * server did not (`unreachableServers`): they may be there (first 1000). Empty when every
   * server answered.
   */
  get unreachableFrames (): number[] { return this.#absent(true) }

  /** Servers that did not answer the last listing (`http://host:port/`). */
  get unreachableServers (): readonly string[] { return this.#unreachable }

  /** Whether absent frame `n` may be on a server that did not answer (else it is missing). */
  #mayBeUnreachable (n: number): boolean {
    return this.#unreachable.length > 0 && !(this.#notStored !== undefined && inRanges(this.#notStored, n))
  }

  #absent (unreachable: boolean): number[] {
    const out: number[] = []
    for (let n = 0; n < this.#frameCount && out.length < MAX_MISSING_LISTED; n++) {
      if (!this.#present.has(n) && this.#mayBeUnreachable(n) === unreachable) out.push(n)
    }
    return out
  }

  /** True when frame `i` was in the last listing (false for a gap, or a frame not written yet). */
  hasFrame (i: number): boolean {
    return this.#present.has(i)
  }

  /** final_metadata.json of a complete series (undefined before, or if the writer wrote none). */
  get finalMetadata (): MetaDataHandler | undefined { return this.#finalMetadata }

  async #listFrames (): Promise<FrameIndexSet> {
    const present = new FrameIndexSet()
    for (const name of await this.#source.list()) {
      const n = parseFrameFileName(name)
      if (n !== undefined) present.add(n)
    }
    this.#unreachable = this.#source.unreachable?.() ?? []
    return present
  }

  /**
   * Re-lists the series (until it is complete and settled, with every server answering; then
   * it only reports).
   */
  async refresh (): Promise<SeriesStatus> {
    this.#assertOpen()
    if (!this.#complete || this.#unreachable.length > 0) {
      // events.json is written last, so check it before listing: a listing taken after it
      // exists holds every frame (once the listing has settled).
      const wasComplete = this.#complete
      const complete = wasComplete || await this.#source.exists(EVENTS_FILE)
      let present = await this.#listFrames()
      if (complete && (!wasComplete || this.#finalMetadata === undefined)) {
        this.#finalMetadata = await this.#readFinalMetadata()
        this.#notStored = parseRanges(this.#finalMetadata?.get('pyme-cluster.FramesNotStored'))
      }
      if (complete && !wasComplete) {
        const expected = numberEntry(this.#finalMetadata, 'pyme-cluster.FramesStored')
        for (let attempt = 1; attempt < this.#settleAttempts || attempt === 1; attempt++) {
          if (this.#source.settleMs > 0) await sleep(this.#source.settleMs)
          const again = await this.#listFrames()
          const agree = again.count === present.count && again.max === present.max
          present = again
          // Frames on a server that does not answer cannot appear by waiting: agreeing is enough then.
          if (agree && (expected === undefined || present.count >= expected || this.#unreachable.length > 0)) break
        }
      }
      this.#present = present
      this.#complete = complete
      const recorded = complete ? numberEntry(this.#finalMetadata, 'pyme-cluster.FrameCount') ?? 0 : 0
      this.#frameCount = Math.max(present.max + 1, recorded)
      const firstMissing = present.missing(1)[0]
      this.#contiguous = firstMissing ?? present.max + 1
    }
    let unreachableCount = 0
    if (this.#unreachable.length > 0) {
      for (let n = 0; n < this.#frameCount; n++) if (!this.#present.has(n) && this.#mayBeUnreachable(n)) unreachableCount++
    }
    return {
      complete: this.#complete,
      frameCount: this.#frameCount,
      contiguousFrames: this.#contiguous,
      missingCount: this.#frameCount - this.#present.count - unreachableCount,
      unreachableCount,
      unreachableServers: this.#unreachable
    }
  }

  async #readFinalMetadata (): Promise<MetaDataHandler | undefined> {
    if (!await this.#source.exists(FINAL_METADATA_FILE)) return undefined
    const bytes = await this.#source.read(FINAL_METADATA_FILE)
    return MetaDataHandler.parse(textDecoder.decode(bytes), `${this.url}/${FINAL_METADATA_FILE}`)
  }

  /** The events of a complete series (`[]` while events.json does not exist yet). */
  async events (): Promise<SeriesEvent[]> {
    this.#assertOpen()
    if (!await this.#source.exists(EVENTS_FILE)) return []
    return parseEvents(textDecoder.decode(await this.#source.read(EVENTS_FILE)), `${this.url}/${EVENTS_FILE}`)
  }

  /** Reads and decodes frame `i`. `NotFoundError` when it does not exist, `PzfFormatError` when it is not valid PZF. */
  async getFrame (i: number): Promise<DecodedPzf<T>> {
    return decodePzf(this.#typed(i, await this.getFrameBytes(i)), this.#limits) as DecodedPzf<T>
  }

  /** The frame's bytes, once its header says it has the pixel type the reader was opened for. */
  #typed (i: number, bytes: Uint8Array): Uint8Array {
    if (this.#dtype === undefined) return bytes
    const dtype = readPzfHeader(bytes).dtype
    if (dtype !== this.#dtype) throw new SeriesFormatError(`frame ${i} of ${this.url} is ${dtype}, not the ${this.#dtype} asked for`)
    return bytes
  }

  /**
   * Reads frame `i` and decodes it into `target` (`decodePzfInto`: no pixel allocation;
   * size it with `decodedPzfLength`). The result's `data` is a view of `target`.
   */
  async getFrameInto (i: number, target: T): Promise<DecodedPzf<T>> {
    return decodePzfInto(this.#typed(i, await this.getFrameBytes(i)), target, this.#limits) as DecodedPzf<T>
  }

  /** Frame `i` decoded into the reader's own buffer, grown (x2) to fit and kept. */
  async #getFrameReused (i: number): Promise<DecodedPzf<T>> {
    const bytes = this.#typed(i, await this.getFrameBytes(i))
    const length = decodedPzfLength(readPzfHeader(bytes), this.#limits)
    if (this.#frameBuffer.length < length) this.#frameBuffer = new Uint8Array(Math.max(length, 2 * this.#frameBuffer.length))
    return decodePzfInto(bytes, this.#frameBuffer, this.#limits) as DecodedPzf<T>
  }

  /**
   * The stored PZF file of frame `i`, not decoded (to copy it, or to decode it elsewhere, e.g.
   * on worker threads). `NotFoundError` when it does not exist.
   */
  async getFrameBytes (i: number): Promise<Uint8Array> {
    this.#assertOpen()
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i > MAX_FRAME_INDEX) {
      throw new InvalidArgumentError(`invalid frame index ${String(i)}: expected an integer 0..${MAX_FRAME_INDEX}`)
    }
    const never = this.#notStored !== undefined && inRanges(this.#notStored, i) && !this.#present.has(i)
    let bytes: Uint8Array
    try {
      // A frame recorded as never stored is absent for good: no need to ask servers that do not answer.
      if (never) throw new NotFoundError(`frame ${i} was never stored`)
      bytes = await this.#source.read(frameFileName(i))
    } catch (err) {
      if (err instanceof NotFoundError) {
        const why = never ? ' (never stored: final_metadata.json records it)' : this.#complete && i < this.#frameCount ? ' (missing from the complete series)' : ''
        throw new NotFoundError(`frame ${i} of ${this.url} does not exist${why}`, { cause: err })
      }
      // Not "does not exist": the frame may be on a server that does not answer.
      if (err instanceof NodeUnreachableError) throw new NodeUnreachableError(`frame ${i} of ${this.url}: ${err.message}`, { cause: err })
      throw err
    }
    return bytes
  }

  /**
   * Every frame in index order. A complete series yields `0 .. frameCount-1` (a missing
   * frame rejects with `NotFoundError`); an incomplete one yields its contiguous frames, and
   * with `follow` keeps re-listing every `pollMs` until the series is complete.
   */
  async * frames (options: SeriesFramesOptions = {}): AsyncGenerator<DecodedPzf<T>, void, undefined> {
    const pollMs = options.pollMs ?? 1000
    if (!Number.isFinite(pollMs) || pollMs < 0) throw new InvalidArgumentError('invalid pollMs: expected a number >= 0')
    let i = 0
    for (;;) {
      const end = this.#complete ? this.#frameCount : this.#contiguous
      while (i < end) yield await (options.reuse === true ? this.#getFrameReused(i++) : this.getFrame(i++))
      if (this.#complete || options.follow !== true) return
      try {
        await sleep(pollMs, undefined, options.signal === undefined ? undefined : { signal: options.signal })
      } catch (err) {
        throw options.signal?.aborted === true ? options.signal.reason : err
      }
      await this.refresh()
    }
  }

  /** Closes the reader (and the source it opened). Idempotent. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#ownsSource) await this.#source.close()
  }
}
