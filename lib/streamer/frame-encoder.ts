/**
 * `FrameEncoder`: the one owner of "pixels → PZF bytes", for the Streamer's `putFrame` and for
 * every backend (PROTOCOL.md §7.2). It decides where a frame is encoded and into which memory,
 * so that each pixel byte is copied at most once and no frame-sized buffer is allocated per frame:
 *
 * ```
 *  raw                 encodeNow: header + pixels, one copy into a pooled buffer ───────────┐
 *  raw, framed, given  encodeNow: the header written in front of the caller's pixels        ├─► EncodedFrame
 *    up or lent          (memory from allocateFramed: one contiguous file, 0 copies)        │   { body, release }
 *  no workers          encodeNow: Huffman on this thread into a pooled buffer ──────────────┤
 *  Huffman             stage (one copy into a pooled pixel buffer, or the caller's buffer) ┐│
 *                      encode: pixels and a pooled output buffer move to a worker and back ┴┘
 *  module filter       stage, then the filter on a worker (its output is its own)
 * ```
 *
 * How the caller hands its pixels over (`PixelHandover`): `'copy'` (it may reuse them as soon as
 * the call returns), `'transfer'` (it gives them up), or a lender function: the pixels are the
 * caller's again once the lender is called with them (in a later microtask), exactly once: when
 * the file's memory is released if they were sent as they are, or right after the copy otherwise.
 *
 * `release()` gives an encoded frame's memory back; call it once, when the bytes are no longer
 * needed (acknowledged, failed for good, or written to a spill journal). Without `reuse` (a store
 * that keeps what it is given), every frame gets fresh memory and `release` is null, except for
 * lent pixels, which are always copied then.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { EncodeError, PymeError } from '../errors.js'
import { BufferPool } from '../internal/buffer-pool.js'
import { ownsWholeBuffer } from '../internal/transferable.js'
import { encodePzf, encodePzfInto, maxPzfLength, planPzfEncode, type PzfEncodeOptions } from '../pzf/encode-pzf.js'
import { framedFile } from '../pzf/framed-pixels.js'
import { littleEndianHost, PZF_HEADER_LENGTH, writePzfHeader, type PzfPixels } from '../pzf/format.js'
import type { EncoderPool } from './streamer-options.js'

/** The bytes of one encoded file, and how to give their memory back. */
export interface EncodedFrame {
  readonly body: Buffer
  /** Gives the memory back for reuse; null when there is nothing to give back. */
  readonly release: (() => void) | null
}

/** Settings of a {@link FrameEncoder}. */
export interface FrameEncoderOptions {
  /** Worker threads for Huffman frames and module filters; null = encode on the calling thread. */
  readonly pool: EncoderPool | null
  /** Reuse memory (the consumer calls `release`); false = fresh memory the consumer may keep. */
  readonly reuse: boolean
  /** Pooled memory kept for reuse at most, bytes per buffer size (at least two buffers). */
  readonly retainBytes: number
}

/** Given pixels: copied, given up for good, or lent until the lender is called with them. */
export type PixelHandover = 'copy' | 'transfer' | ((pixels: PzfPixels) => void)

/** Gives lent pixels back to their owner, in a microtask (never inside the caller's call or our bookkeeping). */
export function giveBack (handover: PixelHandover, pixels: PzfPixels): void {
  if (typeof handover === 'function') queueMicrotask(() => { handover(pixels) })
}

/** Size classes kept at most (a stream of one frame size uses two: pixels and output). */
const MAX_SIZE_CLASSES = 8

function bytesOf (px: PzfPixels): Uint8Array {
  return new Uint8Array(px.buffer, px.byteOffset, px.byteLength)
}

function asBuffer (bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** A typed array of `px`'s kind over `buffer`. */
function like (px: PzfPixels, buffer: ArrayBuffer): PzfPixels {
  if (px instanceof Uint16Array) return new Uint16Array(buffer, 0, px.length)
  if (px instanceof Float32Array) return new Float32Array(buffer, 0, px.length)
  return new Uint8Array(buffer, 0, px.length)
}

function encodeFailure (options: PzfEncodeOptions, err: unknown): EncodeError {
  if (err instanceof EncodeError) return err
  return new EncodeError(`frame ${options.frameNum ?? 0} could not be encoded: ${(err as Error)?.message ?? String(err)}`, { cause: err })
}

/** Encodes frames into reused memory; see the file comment. */
export class FrameEncoder {
  readonly #pool: EncoderPool | null
  readonly #reuse: boolean
  readonly #retainBytes: number
  /** Buffer pools by size, least recently used first. */
  readonly #buffers = new Map<number, BufferPool>()
  /** Buffers created by pools that were since dropped (past MAX_SIZE_CLASSES). */
  #allocatedBefore = 0

  constructor (options: FrameEncoderOptions) {
    this.#pool = options.pool
    this.#reuse = options.reuse
    this.#retainBytes = options.retainBytes
  }

  /** Whether {@link encodeNow} takes frames with these options (no worker needed). */
  inline (options: Partial<PzfEncodeOptions>): boolean {
    return options.compression === 'raw' || this.#pool === null
  }

  /**
   * Encodes on this thread, now: raw frames (a header and one copy, or none for framed pixels
   * given up or lent) and, without workers, every frame. The caller may reuse `pixels` as soon
   * as this returns when it copied them, else once they are given back (lent) or never (given up).
   * @throws EncodeError for options or pixels the format refuses (lent pixels are given back).
   */
  encodeNow (pixels: PzfPixels, options: PzfEncodeOptions, handover: PixelHandover): EncodedFrame {
    try {
      const lent = typeof handover === 'function'
      if ((handover === 'transfer' || (lent && this.#reuse)) && options.compression === 'raw' && littleEndianHost) {
        const file = framedFile(pixels)
        if (file !== null) {
          // The header goes into the room in front of the pixels: the file is sent as it is.
          writePzfHeader(file, 0, planPzfEncode(pixels, options))
          return { body: asBuffer(file), release: lent ? () => { giveBack(handover, pixels) } : null }
        }
      }
      let frame: EncodedFrame
      if (!this.#reuse) {
        frame = { body: asBuffer(encodePzf(pixels, options)), release: null }
      } else {
        const out = this.#buffer(maxPzfLength(pixels, options))
        const target = out.acquire()
        const length = encodePzfInto(pixels, options, new Uint8Array(target))
        frame = { body: Buffer.from(target, 0, length), release: () => { out.release(target) } }
      }
      giveBack(handover, pixels)
      return frame
    } catch (err) {
      giveBack(handover, pixels)
      throw encodeFailure(options, err)
    }
  }

  /**
   * Takes pixels for a later {@link encode} or {@link runFilter}: the caller's own buffer when it
   * gives it up whole (`'transfer'`), else one copy into pooled memory (lent pixels are then
   * given back at once). The caller may reuse copied `pixels` as soon as this returns.
   */
  stage (pixels: PzfPixels, handover: PixelHandover): PzfPixels {
    if (handover === 'transfer' && ownsWholeBuffer(pixels)) return pixels
    const staged = like(pixels, this.#buffer(pixels.byteLength).acquire())
    bytesOf(staged).set(bytesOf(pixels))
    giveBack(handover, pixels)
    return staged
  }

  /** Encodes staged pixels on a worker into pooled memory; the pixels' buffer is reused afterwards. */
  async encode (staged: PzfPixels, options: PzfEncodeOptions): Promise<EncodedFrame> {
    const pool = this.#pool
    if (pool === null) return this.#giveBack(staged, this.encodeNow(staged, options, 'copy'))
    try {
      if (!this.#reuse) {
        return { body: asBuffer(await pool.encode(staged, options, { transfer: true })), release: null }
      }
      const out = this.#buffer(maxPzfLength(staged, options))
      const r = await pool.encodeInto(staged, options, out.acquire(), { transfer: true })
      if (r.data !== null) this.#buffers.get(r.data.byteLength)?.release(r.data.buffer as ArrayBuffer)
      const target = r.bytes.buffer as ArrayBuffer
      return { body: asBuffer(r.bytes), release: () => { out.release(target) } }
    } catch (err) {
      // The pool's own errors (WorkerError, WorkerStartError, ClosedError, …) say what failed.
      throw err instanceof PymeError ? err : encodeFailure(options, err)
    }
  }

  /** Runs a module filter on a worker; its output is fresh memory of its own. */
  async runFilter (staged: PzfPixels, module: string | URL, exportName: string, arg: unknown): Promise<Uint8Array> {
    const pool = this.#pool as EncoderPool
    return await pool.runFilter(module, exportName, staged, arg, { transfer: true })
  }

  /** Frees staged pixels that were never encoded (the file failed, or went to a journal). */
  discard (staged: PzfPixels): void {
    if (ownsWholeBuffer(staged)) this.#buffers.get(staged.byteLength)?.release(staged.buffer as ArrayBuffer)
  }

  /**
   * Creates and touches the memory that raw frames of `pixelBytes` bytes are copied into, for
   * up to `count` frames (fewer when `retainBytes` keeps fewer; none without `reuse`), one
   * buffer per turn of the event loop, until `stop()` says so. Fresh memory costs some 20 times
   * a copy into memory touched before: done before an acquisition, its first frames cost what
   * the rest do. Resolves to the number of buffers created.
   */
  async preallocateRaw (pixelBytes: number, count: number, stop: () => boolean): Promise<number> {
    if (!this.#reuse) return 0
    const pool = this.#buffer(PZF_HEADER_LENGTH + pixelBytes)
    let made = 0
    while (made < count && !stop() && pool.reserve()) {
      made++
      await nextTurn()
    }
    return made
  }

  /** Frame-sized buffers created so far (a steady state creates none). */
  get allocated (): number {
    let n = this.#allocatedBefore
    for (const pool of this.#buffers.values()) n += pool.allocated
    return n
  }

  /** Buffers kept for reuse now. */
  get pooled (): number {
    let n = 0
    for (const pool of this.#buffers.values()) n += pool.free
    return n
  }

  #giveBack (staged: PzfPixels, frame: EncodedFrame): EncodedFrame {
    this.discard(staged)
    return frame
  }

  /** The pool of buffers of `size` bytes (created on first use; the oldest class goes past the cap). */
  #buffer (size: number): BufferPool {
    let pool = this.#buffers.get(size)
    if (pool !== undefined) {
      this.#buffers.delete(size)
    } else {
      pool = new BufferPool(size, Math.max(2, Math.floor(this.#retainBytes / Math.max(1, size))))
      if (this.#buffers.size >= MAX_SIZE_CLASSES) {
        const oldest = this.#buffers.keys().next().value as number
        this.#allocatedBefore += (this.#buffers.get(oldest) as BufferPool).allocated
        this.#buffers.delete(oldest)
      }
    }
    this.#buffers.set(size, pool)
    return pool
  }
}
