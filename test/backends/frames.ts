/**
 * Test helper: camera-like frames (x fastest, rows of constant y) from the shared camera
 * simulator, and frames of the other dtypes derived from them.
 */
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'

/** A `width x height` uint16 camera frame; different `n` give different frames. */
export function cameraFrame (width: number, height: number, n: number): Uint16Array {
  return makeCameraFrame(width, height, { seed: 1, frame: n })
}

/** A frame of `dtype` derived from the same pattern. */
export function frameOf (dtype: 'uint8' | 'uint16' | 'float32', width: number, height: number, n: number): Uint8Array | Uint16Array | Float32Array {
  const base = cameraFrame(width, height, n)
  if (dtype === 'uint16') return base
  if (dtype === 'uint8') return Uint8Array.from(base, (v) => v & 0xff)
  return Float32Array.from(base, (v) => v / 3 - 17.25)
}
