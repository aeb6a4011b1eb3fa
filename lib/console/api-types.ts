/**
 * The JSON of the console API (`/api/`), shared by the gateway (console-api.ts) and the page
 * (ui/console): one definition of the wire format. Types only, no imports, so that the
 * browser build can use it.
 */

/** One data server as the console shows it (`/api/nodes`). */
export interface NodeView {
  readonly name: string
  readonly url: string
  readonly address: string
  readonly port: number
  readonly local: boolean
  readonly responsive: boolean
  readonly error: { readonly code: string, readonly message: string } | null
  readonly cluster: string | null
  readonly computerName: string | null
  readonly disk: { readonly total: number, readonly used: number, readonly free: number } | null
  /** Mean CPU load over the node's cores, percent. */
  readonly load: number | null
  readonly cores: number | null
  readonly memoryPercent: number | null
  readonly uptime: string | null
  /** Bytes per second added to the node's disk since the previous poll; null until two polls. */
  readonly writeRate: number | null
}

/** `/api/cluster`. */
export interface ClusterInfo {
  readonly cluster: string
  readonly servers: number
  readonly version: string
  readonly dav: string
  readonly readOnly: true
}

/** `/api/nodes`. */
export interface NodesInfo {
  /** `Date.now()` of the last status poll (0 before the first). */
  readonly polledAt: number
  readonly nodes: readonly NodeView[]
}

/** One entry of `/api/list`. */
export interface ListEntry {
  readonly name: string
  readonly path: string
  readonly directory: boolean
  readonly series: boolean
  readonly complete: boolean
  /** Bytes of a file; the approximate entry count of a directory. */
  readonly size: number
  /** The entry's href in the WebDAV view. */
  readonly dav: string
}

/** `/api/list`. */
export interface Listing {
  readonly path: string
  readonly entries: readonly ListEntry[]
  readonly unreachable: ReadonlyArray<{ readonly url: string, readonly code: string, readonly message: string }>
}

/** The shape and type every frame of a series has. */
export interface GeometryInfo {
  readonly width: number
  readonly height: number
  readonly depth: number
  readonly dtype: 'uint8' | 'uint16' | 'float32'
  readonly dimOrder: 'C' | 'F'
}

/** `/api/series`. */
export interface SeriesInfo {
  readonly path: string
  readonly url: string
  readonly complete: boolean
  readonly frameCount: number
  readonly contiguousFrames: number
  readonly missingCount: number
  /** The first 1000 missing indices. */
  readonly missingFrames: readonly number[]
  readonly geometry: GeometryInfo | null
  readonly tiff: { readonly href: string, readonly size: number, readonly frames: number, readonly bigTiff: boolean } | null
  readonly dav: string
  /** `[key, value as Python JSON]`, sorted by key. */
  readonly metadata: ReadonlyArray<readonly [string, string]> | null
  readonly finalMetadata: ReadonlyArray<readonly [string, string]> | null
  readonly events: ReadonlyArray<{ readonly name: string, readonly description: string, readonly time: number }>
  readonly takenAt: number
}
