/**
 * Series identifiers (PROTOCOL.md §7.4). PYME's `gen_sequence_id()` always yields 0 (an
 * operator-precedence slip); ours is a random non-zero 53-bit integer, which fits both the
 * signed 64-bit PZF `SequenceID` field and an exactly representable JSON number for
 * JavaScript readers. It is written to every frame header and to the metadata as `imageID`.
 */
import { getRandomValues } from 'node:crypto'

/** Largest sequence id: 2^53 - 1. */
export const MAX_SEQUENCE_ID = Number.MAX_SAFE_INTEGER

/** A random sequence id in `1 .. 2^53 - 1`. */
export function newSequenceId (): number {
  const words = new Uint32Array(2)
  for (;;) {
    getRandomValues(words)
    const id = (words[0]! & 0x1fffff) * 2 ** 32 + words[1]!
    if (id !== 0) return id
  }
}
