/**
 * One data server's listing of one directory (PROTOCOL.md §3.5): a JSON object mapping entry
 * names to `[flags, size]`; directory names end in `/`.
 *
 *   {"LOGS/":[1,1],"metadata.json":[0,412],"s1.pcs/":[7,1203]}
 *
 * Parsed into a Map whose values are the `[flags, size]` arrays JSON.parse made (no copy).
 * Entries that could point outside the directory (`..`, embedded `/`, NUL) are dropped: a
 * listing comes from the network and its names become paths.
 */

/** Listing flag bits (PYME's `FILETYPE_*`). */
export { ListingFlags as FileType } from '../internal/listing-flags.js'

/** `[flags, size]` as a server sends it. */
export type RawEntry = [flags: number, size: number]

/** A server's listing: entry name (directories with a trailing `/`) → `[flags, size]`. */
export type NodeListing = Map<string, RawEntry>

function validName (name: string): boolean {
  const bare = name.endsWith('/') ? name.slice(0, -1) : name
  return bare !== '' && bare !== '.' && bare !== '..' && !bare.includes('/') && !bare.includes('\u0000')
}

/** A parsed listing (and how many unsafe names were dropped), or why the body was refused. */
export type ParsedListing =
  | { readonly listing: NodeListing, readonly dropped: number, readonly error?: undefined }
  | { readonly error: string }

/** Parses a listing body; `error` says why when it is not a JSON object of `[int, number]`. */
export function parseNodeListing (text: string): ParsedListing {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    return { error: `listing is not JSON: ${(err as Error).message}` }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { error: 'listing is not a JSON object' }
  const listing: NodeListing = new Map()
  let dropped = 0
  for (const name of Object.keys(doc)) {
    const v = (doc as Record<string, unknown>)[name]
    if (!Array.isArray(v) || v.length < 2 || !Number.isInteger(v[0]) || typeof v[1] !== 'number' || !Number.isFinite(v[1])) {
      return { error: `listing entry '${name}' is not [flags, size]` }
    }
    if (!validName(name)) {
      dropped++
      continue
    }
    listing.set(name, v as RawEntry)
  }
  return { listing, dropped }
}
