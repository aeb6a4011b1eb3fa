/**
 * The encode hook: `putFrame` pixels become the bytes to send on the `PzfEncoderPool` worker
 * threads, never on the caller's thread (PROTOCOL.md §6.6, §7.2). A failure fails that one file
 * with `EncodeError`; the stream goes on (PYME's send thread dies instead).
 *
 * Buffer ownership: the pixels handed to `run` belong to the streamer (the caller transferred
 * them, or `putFrame` copied them once), so they are transferred to the worker, not cloned.
 */
import { EncodeError } from '../errors.js'
import { ownsWholeBuffer } from '../internal/transferable.js'
import { PzfEncoderPool, type PzfEncodeOptions } from '../pzf/index.js'
import type { EncoderPool, StreamFilter } from './streamer-options.js'
import type { FramePixels, StreamItem } from './stream-item.js'

/** Where encode results go. */
export interface EncodeSink {
  encoded (item: StreamItem, bytes: Uint8Array): void
  encodeFailed (item: StreamItem, err: EncodeError): void
}

/** Runs the configured filter on the worker pool. */
export class EncodeStage {
  readonly #filter: StreamFilter
  readonly #sink: EncodeSink
  readonly #pool: EncoderPool
  readonly #ownsPool: boolean

  constructor (filter: StreamFilter, sink: EncodeSink, pool: EncoderPool | undefined, threads: number | undefined) {
    this.#filter = filter
    this.#sink = sink
    this.#ownsPool = pool === undefined
    this.#pool = pool ?? new PzfEncoderPool(threads === undefined ? {} : { size: threads })
  }

  /** PZF options for one frame: the filter's base options, then the frame's, `frameNum` = index by default. */
  pzfOptions (perFrame: Partial<PzfEncodeOptions> | null, index: number): Partial<PzfEncodeOptions> | null {
    if (!('pzf' in this.#filter)) return null
    const merged: { -readonly [K in keyof PzfEncodeOptions]?: PzfEncodeOptions[K] } = { ...this.#filter.pzf, ...perFrame }
    if (merged.frameNum === undefined && index >= 0) merged.frameNum = index
    return merged
  }

  /** Starts encoding `item` (its `pixels` are owned by the streamer and get transferred). */
  run (item: StreamItem): void {
    const pixels = item.pixels as FramePixels
    item.pixels = null
    const f = this.#filter
    const transfer = { transfer: ownsWholeBuffer(pixels) }
    let p: Promise<Uint8Array>
    try {
      p = 'pzf' in f
        ? this.#pool.encode(pixels, item.encode as PzfEncodeOptions, transfer)
        : this.#pool.runFilter(f.module, f.exportName ?? 'default', pixels, item.filterArg === undefined ? f.arg : item.filterArg, transfer)
    } catch (err) {
      p = Promise.reject(err)
    }
    p.then((out) => {
      if (!(out instanceof Uint8Array)) {
        this.#sink.encodeFailed(item, new EncodeError(`filter returned ${typeof out} for ${item.path}, expected a Uint8Array`))
        return
      }
      this.#sink.encoded(item, out)
    }, (err: unknown) => {
      this.#sink.encodeFailed(item, err instanceof EncodeError
        ? err
        : new EncodeError(`encoding ${item.path} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err }))
    })
  }

  /** Closes the pool if the streamer created it (waits for running encodes). */
  async close (): Promise<void> {
    if (this.#ownsPool) await this.#pool.close()
  }

  /** Stops the pool now if the streamer created it. */
  async destroy (): Promise<void> {
    if (this.#ownsPool) await this.#pool.destroy()
  }
}
