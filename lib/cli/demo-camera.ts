/**
 * The demo's simulated sCMOS camera: a ring of distinct camera-like uint16 frames generated
 * once (so generating pixels is not what limits the rate), each handed out stamped with its
 * frame number in its first two pixels (low and high 16 bits), so every frame stored is
 * unique and a frame put under the wrong name cannot pass verification.
 *
 * ```
 *   ring:  [f0][f1]…[f7]        frame(n) = ring[n % 8] with pixel 0 = n & 0xffff, pixel 1 = n >>> 16
 * ```
 *
 * `expectedFrame` rebuilds the same pixels anywhere (the verifying worker threads).
 */
import { makeCameraFrame } from '../internal/camera-simulator.js'

/** Distinct frames in the ring. */
export const DEMO_RING = 8

/** What identifies the demo's frames. */
export interface DemoCameraSpec {
  readonly width: number
  readonly height: number
  /** Simulation seed. */
  readonly seed: number
}

/** Writes `n` into the first two pixels (as many as the frame has). */
export function stampFrame (frame: Uint16Array, n: number): void {
  if (frame.length > 0) frame[0] = n & 0xffff
  if (frame.length > 1) frame[1] = Math.floor(n / 0x10000) & 0xffff
}

/** The simulated camera: `frame(n)` is valid until `frame(n + DEMO_RING)` reuses its buffer. */
export class DemoCamera {
  readonly spec: DemoCameraSpec
  readonly #ring: Uint16Array[]

  constructor (spec: DemoCameraSpec) {
    this.spec = spec
    this.#ring = Array.from({ length: DEMO_RING }, (_, i) => makeCameraFrame(spec.width, spec.height, { seed: spec.seed, frame: i }))
  }

  /** Frame `n`, stamped; the backend copies it, so the ring buffer is free again at once. */
  frame (n: number): Uint16Array {
    const f = this.#ring[n % DEMO_RING] as Uint16Array
    stampFrame(f, n)
    return f
  }
}

const ringCache = new Map<string, Uint16Array>()

/**
 * The pixels of frame `n` as the camera produced them. The ring frames are generated once per
 * thread and kept (at most one ring); the result is valid until the next call.
 */
export function expectedFrame (spec: DemoCameraSpec, n: number): Uint16Array {
  const key = `${spec.width}x${spec.height}:${spec.seed}:${n % DEMO_RING}`
  let f = ringCache.get(key)
  if (f === undefined) {
    if (ringCache.size >= DEMO_RING) ringCache.clear()
    f = makeCameraFrame(spec.width, spec.height, { seed: spec.seed, frame: n % DEMO_RING })
    ringCache.set(key, f)
  }
  stampFrame(f, n)
  return f
}
