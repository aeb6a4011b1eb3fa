/**
 * The arguments of the Streamer's put calls: their options (public types) and their checks,
 * one place for `put`, `putAsync`, `putFrame*` and `putAfterAll`.
 */
import { InvalidArgumentError, InvalidNameError } from '../errors.js'
import { parseWritePath } from '../internal/cluster-path.js'
import { dtypeOf } from '../pzf/format.js'
import type { PzfEncodeOptions } from '../pzf/index.js'
import type { FramePixels } from './stream-item.js'

/** Options of `put`/`putAsync`. */
export interface PutHint {
  /** Frame index (PYME's `i`) for the distribution function. */
  readonly index?: number
  /**
   * Copy the bytes once at `put` so the caller may reuse its buffer at once. Without it the
   * buffer is sent as it is when written to the socket: do not modify it until the file is
   * acknowledged (`'ack'`, `putAsync`) or has failed. @default false
   */
  readonly copy?: boolean
}

/** Options of `putFrame`/`putFrameAsync`. */
export interface FrameHint {
  /** Frame index: used by the distribution and, by default, as the PZF `frameNum`. */
  readonly index?: number
  /** Per-frame PZF options, merged over `filter.pzf`. */
  readonly encode?: Partial<PzfEncodeOptions>
  /** Argument for a module filter (default: `filter.arg`). */
  readonly arg?: unknown
  /**
   * Hand the pixel buffer over to the streamer for good: a raw frame in memory from
   * `allocateFramed` is sent as it is (no copy), any other buffer of a pixel frame is
   * transferred to a worker (detached here). Without it the pixels are copied once at
   * `putFrame`, and the caller may reuse them at once. A raw frame not in framed memory, and a
   * view that does not span its whole ArrayBuffer, are copied all the same. @default false
   */
  readonly transfer?: boolean
  /**
   * Lend the pixels instead: the streamer reads them where they are and calls `release(pixels)`
   * exactly once, in a later microtask, when it no longer needs them: a raw frame in memory from
   * `allocateFramed` once the file is settled (stored, failed, dropped) or written to the spill
   * journal; any other frame right after its one copy. Until then do not write to them. Also
   * called when `putFrame` throws or `putFrameAsync` rejects before taking them. Takes
   * precedence over `transfer`.
   */
  readonly release?: (pixels: FramePixels) => void
}

/** Options of `putAfterAll`. */
export interface BarrierOptions {
  /**
   * Send even if some earlier files failed. By default the barrier fails with
   * `StoreFailedError` naming them, so a series is never marked complete with holes. @default false
   */
  readonly sendAnyway?: boolean
}

/** A Buffer over the same bytes (no copy). */
export function toBuffer (data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

/** The frame index of a hint (-1 when there is none). */
export function checkIndex (index: unknown): number {
  if (index === undefined) return -1
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
    throw new InvalidArgumentError('invalid index: expected a non-negative integer')
  }
  return index
}

/** The normalised cluster path of a file to write. */
export function filePath (raw: string): string {
  const p = parseWritePath(raw)
  if (p.isDirectory) throw new InvalidNameError(`name '${raw}' names a directory; the streamer writes files`)
  return p.path
}

/** Whether `data` is a typed array of a pixel type the encoder takes. */
export function isPixels (data: unknown): data is FramePixels {
  return dtypeOf(data) !== undefined
}

/**
 * One put, checked and ready to admit: bytes to send (`body`), or staged pixels to
 * encode. Built once per put; the Streamer turns it into a `StreamItem` when it is admitted (its
 * place in put order is taken then, not before).
 */
export interface PutRecord {
  readonly path: string
  /** Frame index (PYME's `i`), -1 when none. */
  readonly index: number
  /** The bytes to send, or null for pixels still to be encoded. */
  readonly body: Buffer | null
  /** Gives `body` (or the staged pixels) back for reuse once the file is settled or journaled. */
  readonly release: (() => void) | null
  /** Staged pixels (owned by the Streamer) to encode, or null. */
  readonly pixels: FramePixels | null
  readonly encode: Partial<PzfEncodeOptions> | null
  /** A module filter's argument. */
  readonly arg: unknown
  /** Bytes charged to the memory budget. */
  readonly size: number
}

/** A put record of ready bytes. */
export function bytesRecord (path: string, index: number, body: Buffer, release: (() => void) | null): PutRecord {
  return { path, index, body, release, pixels: null, encode: null, arg: undefined, size: body.byteLength }
}

/** Checks a put of bytes; `frameCall` names the call to use for pixels instead. */
export function bytesArgs (path: string, data: unknown, hint: PutHint | undefined, frameCall: string): PutRecord {
  const p = filePath(path)
  if (!(data instanceof Uint8Array)) throw new InvalidArgumentError(`invalid data: expected a Buffer or Uint8Array${frameCall === '' ? '' : ` (use ${frameCall} for pixels to encode)`}`)
  const index = checkIndex(hint?.index)
  return bytesRecord(p, index, hint?.copy === true ? Buffer.from(data) : toBuffer(data), null)
}
