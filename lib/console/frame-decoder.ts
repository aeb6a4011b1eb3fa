/**
 * `FrameDecoder`: decoded frames (as TIFF pages) for the gateway, with bounded work and
 * bounded memory.
 *
 * ```
 *  frame(key, read) ─▶ cache hit? ─▶ bytes
 *        │ in flight? ─▶ the same promise (one decode per frame, however many readers)
 *        ▼
 *  Semaphore (maxInFlight): read the PZF file ─▶ header checked here ─▶ worker pool decodes
 *        ─▶ pages transferred back ─▶ LRU cache (cacheBytes) ─▶ bytes
 * ```
 *
 * A slot is held from the read to the decoded result, so at most `maxInFlight` frames are
 * being fetched or decoded at once, whatever the number of clients; everything else waits
 * in arrival order. Readers that touch a frame in small pieces (a mounted file system reads
 * 64 KiB at a time) find it in the cache instead of decoding it again.
 */
import { availableParallelism } from 'node:os'
import { SeriesFormatError } from '../errors.js'
import { byteSizeOption, checkOptionsObject, integerOption, type OptionKeys } from '../internal/options.js'
import { readPzfHeader } from '../pzf/format.js'
import { PzfEncoderPool } from '../pzf/pzf-encoder-pool.js'
import { LruCache } from '../internal/lru-cache.js'
import { Semaphore } from '../internal/semaphore.js'
import type { FrameGeometry } from './frame-pages.js'

/** Options of `FrameDecoder`. */
export interface FrameDecoderOptions {
  /** Decode worker threads. @default min(8, os.availableParallelism()) */
  readonly threads?: number
  /** Frames read or decoded at once, across every request. @default threads * 2 */
  readonly maxInFlight?: number
  /** Bytes of decoded frames kept for readers that come back. @default 268435456 (256 MiB) */
  readonly cacheBytes?: number
}

// The filter module sits beside this file: `.ts` under the test loader, `.js` in dist.
const filterUrl = new URL(import.meta.url.endsWith('.ts') ? './frame-filter.ts' : './frame-filter.js', import.meta.url)

const FRAME_DECODER_OPTION_KEYS = { threads: true, maxInFlight: true, cacheBytes: true } as const satisfies Record<keyof FrameDecoderOptions, true> & OptionKeys

export class FrameDecoder {
  readonly threads: number
  readonly maxInFlight: number
  readonly #pool: PzfEncoderPool
  readonly #cache: LruCache<string, Uint8Array>
  readonly #inflight = new Map<string, Promise<Uint8Array>>()
  readonly #slots: Semaphore
  #decoded = 0

  constructor (options: FrameDecoderOptions = {}) {
    checkOptionsObject(options, FRAME_DECODER_OPTION_KEYS)
    this.threads = integerOption(options.threads, 'threads', { min: 1, max: 64, default: Math.min(8, availableParallelism()) })
    this.maxInFlight = integerOption(options.maxInFlight, 'maxInFlight', { min: 1, max: 1024, default: this.threads * 2 })
    const cacheBytes = byteSizeOption(options.cacheBytes, 'cacheBytes', { min: 0, max: Number.MAX_SAFE_INTEGER, default: 256 * 1024 * 1024 })
    this.#pool = new PzfEncoderPool({ size: this.threads, maxQueue: this.maxInFlight })
    this.#cache = new LruCache({ maxEntries: cacheBytes === 0 ? 0 : 1_000_000, maxWeight: cacheBytes, weigh: (b) => b.byteLength })
    this.#slots = new Semaphore(this.maxInFlight)
  }

  /** Frames decoded so far (not counting cache hits). */
  get decoded (): number { return this.#decoded }

  /** Frames being read or decoded now. */
  get inFlight (): number { return this.#slots.held }

  /** A cached frame, without decoding. */
  peek (key: string): Uint8Array | undefined {
    return this.#cache.get(key)
  }

  /**
   * The frame's pages in TIFF order. `read` fetches its PZF file; `geometry` is what every
   * frame of the series must be (a frame of another shape or type is a SeriesFormatError).
   * The returned bytes are shared with the cache: do not modify them.
   */
  frame (key: string, read: () => Promise<Uint8Array>, geometry: FrameGeometry): Promise<Uint8Array> {
    const hit = this.#cache.get(key)
    if (hit !== undefined) return Promise.resolve(hit)
    let pending = this.#inflight.get(key)
    if (pending === undefined) {
      pending = this.#decode(key, read, geometry).finally(() => this.#inflight.delete(key))
      this.#inflight.set(key, pending)
    }
    return pending
  }

  async #decode (key: string, read: () => Promise<Uint8Array>, g: FrameGeometry): Promise<Uint8Array> {
    const release = await this.#slots.acquire()
    try {
      const bytes = await read()
      const h = readPzfHeader(bytes)
      if (h.width !== g.width || h.height !== g.height || h.depth !== g.depth || h.dtype !== g.dtype) {
        throw new SeriesFormatError(`frame ${h.frameNum} is ${h.width}x${h.height}x${h.depth} ${h.dtype}, ` +
          `the series' first frame is ${g.width}x${g.height}x${g.depth} ${g.dtype}: it cannot be a page of one TIFF`)
      }
      // The cluster client hands each caller its own buffer (its small-file cache keeps a copy):
      // one that spans its whole ArrayBuffer moves to the worker without a copy; a view into a
      // shared slab (Node's pool for small buffers) is copied.
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      const pages = await this.#pool.runFilter(filterUrl, 'tiffFrame', bytes, g, { transfer: whole })
      this.#decoded++
      this.#cache.set(key, pages)
      return pages
    } finally {
      release()
    }
  }

  /** Finishes running decodes and ends the worker threads. */
  async close (): Promise<void> {
    await this.#pool.close()
  }

  /** Ends the worker threads now; running decodes reject with DestroyedError. */
  destroy (): void {
    this.#pool.destroy()
  }
}
