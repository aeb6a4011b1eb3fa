/**
 * Frame indices as inclusive ranges, `[[first, last], …]` ascending: how final_metadata.json
 * records the frames of a series that were never stored (`pyme-cluster.FramesNotStored`), so a
 * reader can tell a frame that is absent for good from one on a server that does not answer.
 * A run of frames lost with a dead node is one range, whatever its length.
 *
 * ```
 *   stored:  0 1 2 . . . 6 7 . 9        →  FramesNotStored: [[3, 5], [8, 8]]
 * ```
 */

/** One inclusive range of frame indices. */
export type FrameRange = readonly [number, number]

/** The ranges of indices `0 .. count-1` that `has` rejects; at most `maxRanges` (the first ones). */
export function absentRanges (has: (n: number) => boolean, count: number, maxRanges = 10_000): FrameRange[] {
  const out: FrameRange[] = []
  let start = -1
  for (let n = 0; n < count && out.length < maxRanges; n++) {
    if (!has(n)) {
      if (start < 0) start = n
    } else if (start >= 0) {
      out.push([start, n - 1])
      start = -1
    }
  }
  if (start >= 0 && out.length < maxRanges) out.push([start, count - 1])
  return out
}

/** Number of indices the ranges cover. */
export function rangesCount (ranges: readonly FrameRange[]): number {
  let n = 0
  for (const [a, b] of ranges) n += b - a + 1
  return n
}

/** Reads ranges written by `absentRanges` leniently: `undefined` unless every item is `[a, b]` with 0 ≤ a ≤ b, ascending. */
export function parseRanges (value: unknown): FrameRange[] | undefined {
  if (!Array.isArray(value)) return undefined
  const out: FrameRange[] = []
  let last = -1
  for (const r of value) {
    if (!Array.isArray(r) || r.length !== 2) return undefined
    const [a, b] = r as unknown[]
    if (typeof a !== 'number' || typeof b !== 'number' || !Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a <= last || b < a) return undefined
    out.push([a, b])
    last = b
  }
  return out
}

/** Whether `n` is in one of the (ascending) ranges: a binary search. */
export function inRanges (ranges: readonly FrameRange[], n: number): boolean {
  let lo = 0
  let hi = ranges.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const [a, b] = ranges[mid] as FrameRange
    if (n < a) hi = mid - 1
    else if (n > b) lo = mid + 1
    else return true
  }
  return false
}
