/**
 * Union of the listings of one directory across servers (PROTOCOL.md §5.3), in server order
 * (local first): flags are OR-ed; when the merged flags say "directory" the sizes are summed
 * (a directory's size is its entry count on each server), otherwise the later server's size
 * replaces the earlier one. Each merged entry remembers which servers listed it.
 */
import { FileType, type NodeListing } from './node-listing.js'

/** A merged entry: flags, size and the indices (into the listing array) of the servers that have it. */
export interface MergedEntry {
  flags: number
  size: number
  readonly nodes: number[]
}

/** Merges listings given in server order; `null` stands for a server without the directory. */
export function mergeListings (listings: ReadonlyArray<NodeListing | null>): Map<string, MergedEntry> {
  const merged = new Map<string, MergedEntry>()
  for (let i = 0; i < listings.length; i++) {
    const listing = listings[i]
    if (listing === null || listing === undefined) continue
    for (const [name, [flags, size]] of listing) {
      const slot = merged.get(name)
      if (slot === undefined) {
        merged.set(name, { flags, size, nodes: [i] })
        continue
      }
      slot.flags |= flags
      slot.size = (slot.flags & FileType.DIRECTORY) !== 0 ? slot.size + size : size
      slot.nodes.push(i)
    }
  }
  return merged
}
