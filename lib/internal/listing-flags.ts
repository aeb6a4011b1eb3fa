/**
 * Listing flag bits (PROTOCOL.md §3.5; PYME's `FILETYPE_*` in `clusterListing`), shared by the
 * server that writes listings and the client that reads them. Exported as `ListingFlags`
 * from `pyme-cluster/server` and as `FileType` (PYME's name) from the root.
 */
export const ListingFlags = {
  NORMAL: 0x00,
  DIRECTORY: 0x01,
  SERIES: 0x02,
  SERIES_COMPLETE: 0x04
} as const
