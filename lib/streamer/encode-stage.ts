/**
 * The encode hook of `putFrame`: pixels become the bytes to send (PROTOCOL.md §6.6, §7.2)
 * through the Streamer's `FrameEncoder`. Raw PZF frames are framed at once on the caller's
 * thread (`now`); other frames are staged (one copy into reused memory, or the caller's
 * transferred buffer) and encoded on the worker pool (`run`). A failure fails that one file
 * with `EncodeError`; the stream goes on (PYME's send thread dies instead).
 */
import { EncodeError } from '../errors.js'
import { PzfEncoderPool, type PzfEncodeOptions } from '../pzf/index.js'
import { FrameEncoder, type EncodedFrame, type PixelHandover } from './frame-encoder.js'
import type { EncoderPool, StreamFilter } from './streamer-options.js'
import type { FramePixels, StreamItem } from './stream-item.js'

/** Where encode results go. */
export interface EncodeSink {
  encoded (item: StreamItem, frame: EncodedFrame): void
  encodeFailed (item: StreamItem, err: EncodeError): void
}

/** Runs the configured filter: inline, or on the worker pool. */
export class EncodeStage {
  readonly #filter: StreamFilter
  readonly #sink: EncodeSink
  readonly #pool: EncoderPool | null
  readonly #ownsPool: boolean
  readonly #encoder: FrameEncoder

  constructor (filter: StreamFilter, sink: EncodeSink, pool: EncoderPool | undefined, threads: number | undefined, retainBytes: number) {
    this.#filter = filter
    this.#sink = sink
    this.#ownsPool = pool === undefined && threads !== 0
    this.#pool = pool ?? (threads === 0 ? null : new PzfEncoderPool(threads === undefined ? {} : { size: threads }))
    this.#encoder = new FrameEncoder({ pool: this.#pool, reuse: true, retainBytes })
  }

  /** PZF options for one frame: the filter's base options, then the frame's, `frameNum` = index by default. */
  pzfOptions (perFrame: Partial<PzfEncodeOptions> | null, index: number): Partial<PzfEncodeOptions> | null {
    if (!('pzf' in this.#filter)) return null
    const merged: { -readonly [K in keyof PzfEncodeOptions]?: PzfEncodeOptions[K] } = { ...this.#filter.pzf, ...perFrame }
    if (merged.frameNum === undefined && index >= 0) merged.frameNum = index
    return merged
  }

  /**
   * Encodes a PZF frame at once when that is cheap (raw, or no workers), or returns null.
   * @throws EncodeError when the format refuses the frame.
   */
  now (pixels: FramePixels, encode: Partial<PzfEncodeOptions> | null, handover: PixelHandover): EncodedFrame | null {
    if (encode === null || !this.#encoder.inline(encode)) return null
    return this.#encoder.encodeNow(pixels, encode as PzfEncodeOptions, handover)
  }

  /** The pixels a later `run` encodes: the caller's (transfer), or one copy into reused memory. */
  stage (pixels: FramePixels, handover: PixelHandover): FramePixels {
    return this.#encoder.stage(pixels, handover)
  }

  /** Frees staged pixels that will not be encoded (their file failed, or was journaled). */
  discard (pixels: FramePixels): void {
    this.#encoder.discard(pixels)
  }

  /** Memory for `count` raw frames of `pixelBytes` pixel bytes, made before they come (see `FrameEncoder`). */
  async preallocateRaw (pixelBytes: number, count: number, stop: () => boolean): Promise<number> {
    return 'pzf' in this.#filter ? await this.#encoder.preallocateRaw(pixelBytes, count, stop) : 0
  }

  /** The encoder's buffer counts (see `StreamStats`). */
  get buffersAllocated (): number { return this.#encoder.allocated }
  get buffersPooled (): number { return this.#encoder.pooled }

  /** Starts encoding `item` (its staged `pixels` are taken). */
  run (item: StreamItem): void {
    const pixels = item.pixels as FramePixels
    item.pixels = null
    const f = this.#filter
    const done = 'pzf' in f
      ? this.#encoder.encode(pixels, item.encode as PzfEncodeOptions)
      : this.#encoder.runFilter(pixels, f.module, f.exportName ?? 'default', item.filterArg === undefined ? f.arg : item.filterArg)
        .then(filtered)
    done.then((frame) => { this.#sink.encoded(item, frame) }, (err: unknown) => {
      this.#sink.encodeFailed(item, err instanceof EncodeError
        ? err
        : new EncodeError(`encoding ${item.path} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err }))
    })
  }

  /** Closes the pool if the streamer created it (waits for running encodes). */
  async close (): Promise<void> {
    if (this.#ownsPool) await this.#pool?.close()
  }

  /** Stops the pool now if the streamer created it. */
  async destroy (): Promise<void> {
    if (this.#ownsPool) await this.#pool?.destroy()
  }
}

/** A module filter's output as a file's bytes (it must be a Uint8Array). */
function filtered (out: unknown): EncodedFrame {
  if (!(out instanceof Uint8Array)) throw new EncodeError(`filter returned ${typeof out}, expected a Uint8Array`)
  return { body: Buffer.from(out.buffer, out.byteOffset, out.byteLength), release: null }
}
