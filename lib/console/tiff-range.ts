/**
 * `TiffRange`: the bytes `[start, end)` of a series' virtual TIFF, produced in order and
 * decoding only the frames the range touches:
 *
 * ```
 *  [0, dataOffset)           head: header, IFD0, description (built with the layout)
 *  [dataOffset, dataEnd)     frame f at dataOffset + f * frameBytes: decoded on demand,
 *                            `prefetch` frames ahead of the one being written
 *  [dataEnd, tailOffset)     alignment zeros
 *  [tailOffset, size)        IFDs 1.., generated 64 KiB at a time
 * ```
 *
 * `first()` waits for the first frame the range needs, so that a frame that cannot be read is
 * reported before any header is sent; after that, a failure ends the stream early.
 */
import type { SeriesTiff } from './series-tiff.js'

/** One frame's pages in TIFF order, or null for a frame missing from a complete series (zeros). */
export type FrameFetch = (index: number) => Promise<Uint8Array | null>

/** Where produced bytes go; resolves when the consumer can take more. */
export type ChunkWriter = (chunk: Uint8Array) => Promise<void>

const TAIL_CHUNK = 64 * 1024

export class TiffRange {
  readonly start: number
  readonly end: number
  readonly #tiff: SeriesTiff
  readonly #fetch: FrameFetch
  readonly #prefetch: number
  readonly #frameBytes: number
  readonly #dataEnd: number
  readonly #firstFrame: number
  readonly #lastFrame: number
  readonly #pending = new Map<number, Promise<Uint8Array | null>>()
  #next: number
  #zeros: Uint8Array | null = null

  constructor (tiff: SeriesTiff, start: number, end: number, fetch: FrameFetch, prefetch: number) {
    const l = tiff.layout
    this.#tiff = tiff
    this.start = start
    this.end = end
    this.#fetch = fetch
    this.#prefetch = Math.max(1, prefetch)
    this.#frameBytes = l.pageBytes * tiff.geometry.depth
    this.#dataEnd = l.dataOffset + tiff.frames * this.#frameBytes
    const from = Math.max(start, l.dataOffset)
    const to = Math.min(end, this.#dataEnd)
    if (from < to) {
      this.#firstFrame = Math.floor((from - l.dataOffset) / this.#frameBytes)
      this.#lastFrame = Math.floor((to - 1 - l.dataOffset) / this.#frameBytes)
    } else {
      this.#firstFrame = 0
      this.#lastFrame = -1
    }
    this.#next = this.#firstFrame
  }

  /** Frames the range touches (`[first, last]`, empty when last < first). */
  get frames (): { readonly first: number, readonly last: number } {
    return { first: this.#firstFrame, last: this.#lastFrame }
  }

  /** Starts fetching and waits for the first frame the range needs (rejects if it cannot be had). */
  async first (): Promise<void> {
    this.#fill()
    if (this.#lastFrame >= this.#firstFrame) await this.#pending.get(this.#firstFrame)
  }

  /** Produces the range in order into `write`; rejects on the first failure. */
  async pipeTo (write: ChunkWriter): Promise<void> {
    const l = this.#tiff.layout
    let pos = this.start
    try {
      if (pos < l.dataOffset) {
        const to = Math.min(this.end, l.dataOffset)
        await write(l.head.subarray(pos, to))
        pos = to
      }
      for (let f = this.#firstFrame; f <= this.#lastFrame; f++) {
        this.#fill()
        const pages = await (this.#pending.get(f) as Promise<Uint8Array | null>)
        this.#pending.delete(f)
        const base = l.dataOffset + f * this.#frameBytes
        const from = pos - base
        const to = Math.min(this.end, base + this.#frameBytes) - base
        await write((pages ?? this.#zeroFrame()).subarray(from, to))
        pos = base + to
      }
      if (pos < this.end && pos < l.tailOffset) {
        const to = Math.min(this.end, l.tailOffset)
        await write(new Uint8Array(to - pos))
        pos = to
      }
      while (pos < this.end) {
        const to = Math.min(this.end, pos + TAIL_CHUNK)
        await write(l.tail(pos, to))
        pos = to
      }
    } finally {
      // Fetches started ahead and not consumed: nobody waits for them any more.
      for (const p of this.#pending.values()) p.catch(() => {})
      this.#pending.clear()
    }
  }

  /** Keeps `prefetch` frames requested ahead of the one being written. */
  #fill (): void {
    while (this.#next <= this.#lastFrame && this.#pending.size < this.#prefetch) {
      const p = this.#fetch(this.#next)
      p.catch(() => {})
      this.#pending.set(this.#next, p)
      this.#next++
    }
  }

  #zeroFrame (): Uint8Array {
    this.#zeros ??= new Uint8Array(this.#frameBytes)
    return this.#zeros
  }
}
