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

/** The bytes of a typed array (a view, no copy). */
export function bytesOf (a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength)
}

/**
 * Reads every frame of `reader` in order and compares it, byte for byte, with `expected`
 * (camera buffers: stored as F order `[width, height]`). Resolves to the frames read and the
 * indices that differ.
 */
export async function compareReadBack (reader: { frames (): AsyncIterable<{ data: ArrayBufferView, dimOrder: string }> },
  expected: readonly ArrayBufferView[]): Promise<{ read: number, differing: number[] }> {
  let read = 0
  const differing: number[] = []
  for await (const f of reader.frames()) {
    const want = expected[read]
    if (want === undefined || f.dimOrder !== 'F' || !bytesOf(f.data).equals(bytesOf(want))) differing.push(read)
    read++
  }
  return { read, differing }
}
