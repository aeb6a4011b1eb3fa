/**
 * Frames per second and MB/s, raw (camera pixels) and on the wire (bytes stored as sent): the
 * one computation behind a backend's `stats().rate` / `stats().averageRate` and the demo's
 * progress line and summary, so an application shows the same figures the demo does.
 *
 * `rate` is recent: the counts of the last `windowMs` (5 s) over their span, from a ring of
 * samples taken as frames are stored (at most one per `stepMs`, so the cost per frame is one
 * clock read). When nothing was stored for longer than the window it falls to 0.
 *
 * ```
 *   samples ring:  t, frames, raw, wire  (one per 250 ms, the last 5 s and one before)
 *   rate = (now's counts − the oldest sample within 5 s) / (now − its time)
 * ```
 */

/** Rates over a span of time. */
export interface Throughput {
  /** Frames stored per second. */
  readonly framesPerSecond: number
  /** Pixel bytes of those frames per second (what the camera produces; `frames × width × height × bytes per pixel`). */
  readonly rawBytesPerSecond: number
  /** Bytes stored per second as they were sent (encoded frames, metadata). */
  readonly wireBytesPerSecond: number
  /** The span the figures cover, ms (0 before anything could be measured). */
  readonly spanMs: number
}

/** Counts over `ms` as rates; zeros for an empty span. */
export function throughput (frames: number, rawBytes: number, wireBytes: number, ms: number): Throughput {
  if (!(ms > 0)) return { framesPerSecond: 0, rawBytesPerSecond: 0, wireBytesPerSecond: 0, spanMs: 0 }
  const perSecond = 1000 / ms
  return { framesPerSecond: frames * perSecond, rawBytesPerSecond: rawBytes * perSecond, wireBytesPerSecond: wireBytes * perSecond, spanMs: ms }
}

const FIELDS = 4

/** Recent and average throughput of a stream of stored frames. */
export class ThroughputMeter {
  readonly windowMs: number
  readonly #stepMs: number
  /** `[t, frames, raw, wire]` per slot. */
  readonly #ring: Float64Array
  readonly #slots: number
  #head = 0
  #count = 0
  #startedAt = -1

  constructor (windowMs = 5000, stepMs = 250) {
    this.windowMs = windowMs
    this.#stepMs = stepMs
    this.#slots = Math.ceil(windowMs / stepMs) + 2
    this.#ring = new Float64Array(this.#slots * FIELDS)
  }

  /** Starts measuring at `now` (ms) from zero counts. */
  start (now: number): void {
    this.#startedAt = now
    this.#count = 0
    this.#record(now, 0, 0, 0)
  }

  /** Records the running counts at `now` (cheap when called per frame: one sample per step). */
  sample (now: number, frames: number, rawBytes: number, wireBytes: number): void {
    if (this.#startedAt < 0) this.start(now)
    if (now - (this.#ring[this.#newest() * FIELDS] as number) < this.#stepMs) return
    this.#record(now, frames, rawBytes, wireBytes)
  }

  /** The rates over (about) the last `windowMs`. */
  recent (now: number, frames: number, rawBytes: number, wireBytes: number): Throughput {
    if (this.#count === 0) return throughput(0, 0, 0, 0)
    // The oldest sample inside the window; when none is, the newest one (a stall shows as 0).
    let ref = this.#newest()
    for (let k = 1; k < this.#count; k++) {
      const slot = (this.#head - 1 - k + this.#slots) % this.#slots
      if (now - (this.#ring[slot * FIELDS] as number) > this.windowMs) break
      ref = slot
    }
    const r = this.#ring
    const o = ref * FIELDS
    return throughput(frames - (r[o + 1] as number), rawBytes - (r[o + 2] as number), wireBytes - (r[o + 3] as number), now - (r[o] as number))
  }

  /** The rates since `start`. */
  average (now: number, frames: number, rawBytes: number, wireBytes: number): Throughput {
    return this.#startedAt < 0 ? throughput(0, 0, 0, 0) : throughput(frames, rawBytes, wireBytes, now - this.#startedAt)
  }

  #newest (): number {
    return (this.#head - 1 + this.#slots) % this.#slots
  }

  #record (now: number, frames: number, rawBytes: number, wireBytes: number): void {
    const o = this.#head * FIELDS
    this.#ring[o] = now
    this.#ring[o + 1] = frames
    this.#ring[o + 2] = rawBytes
    this.#ring[o + 3] = wireBytes
    this.#head = (this.#head + 1) % this.#slots
    if (this.#count < this.#slots) this.#count++
  }
}
