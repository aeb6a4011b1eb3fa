/**
 * Deterministic content of the fault suite, made the same way in every process: the
 * acquiring client, a resuming client and the verifier all derive frame `n` (and every byte
 * of the big file) from the seed, so "bit for bit" is checked without passing data around.
 */
import { createHash } from 'node:crypto'
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'
import type { PzfEncodeOptions } from '../../lib/pzf/encode-pzf.js'
import type { SeriesSpec } from './fault-config.js'

/** Frame `n` of a series: a camera-like uint16 frame, x fastest. */
export function faultFrame (spec: SeriesSpec, n: number): Uint16Array {
  return makeCameraFrame(spec.width, spec.height, { seed: spec.seed, frame: n })
}

/**
 * The PZF options `ClusterBackend` encodes frame `n` with (`SeriesBackend`'s encode base), so a
 * resuming client writes the very bytes the acquiring one would have.
 */
export function backendEncodeOptions (spec: SeriesSpec, n: number): PzfEncodeOptions {
  return { shape: [spec.width, spec.height], dimOrder: 'F', compression: 'huffman', quantization: null, sequenceId: spec.sequenceId, frameNum: n }
}

const BLOCK = 1 << 20

/** Block `i` (1 MiB) of the big file: xorshift32 from (seed, i). */
function bigBlock (seed: number, i: number): Buffer {
  const block = Buffer.allocUnsafe(BLOCK)
  const words = new Uint32Array(block.buffer, block.byteOffset, BLOCK / 4)
  let x = ((seed * 2654435761) ^ (i * 40503 + 1)) >>> 0 || 1
  for (let k = 0; k < words.length; k++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    words[k] = x
  }
  return block
}

/** The big file's bytes in chunks of at most 1 MiB, in order. */
export function * bigFileChunks (seed: number, bytes: number): Generator<Buffer> {
  for (let off = 0, i = 0; off < bytes; off += BLOCK, i++) {
    const block = bigBlock(seed, i)
    yield off + BLOCK <= bytes ? block : block.subarray(0, bytes - off)
  }
}

/** The whole big file (for a client that sends it in one piece). */
export function bigFileBytes (seed: number, bytes: number): Buffer {
  return Buffer.concat([...bigFileChunks(seed, bytes)], bytes)
}

/** SHA-256 of the big file. */
export function bigFileDigest (seed: number, bytes: number): string {
  const h = createHash('sha256')
  for (const c of bigFileChunks(seed, bytes)) h.update(c)
  return h.digest('hex')
}
