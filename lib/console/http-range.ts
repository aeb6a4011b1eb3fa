/**
 * The `Range` request header (RFC 9110 §14.2), for one entity of a known size: a single byte
 * range is served as 206; several ranges, or a header we do not understand, as the whole entity
 * (200), which the RFC allows; a range that starts past the end as 416.
 */

/** What to send for a GET. */
export type RangeDecision =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial', readonly start: number, readonly end: number }
  | { readonly kind: 'unsatisfiable' }

/** Interprets `Range` for an entity of `size` bytes; `end` is exclusive. */
export function decideRange (header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full' }
  const m = /^\s*bytes\s*=\s*([^,]*?)\s*$/i.exec(header)
  // Several ranges (multipart/byteranges) or another unit: the whole entity.
  if (m === null) return { kind: 'full' }
  const spec = m[1] as string
  const suffix = /^-(\d{1,16})$/.exec(spec)
  if (suffix !== null) {
    const n = Number(suffix[1])
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' }
    return { kind: 'partial', start: Math.max(0, size - n), end: size }
  }
  const r = /^(\d{1,16})-(\d{0,16})$/.exec(spec)
  if (r === null) return { kind: 'full' }
  const start = Number(r[1])
  if (start >= size) return { kind: 'unsatisfiable' }
  const last = r[2] === '' ? size - 1 : Number(r[2])
  if (last < start) return { kind: 'full' }
  return { kind: 'partial', start, end: Math.min(size, last + 1) }
}
