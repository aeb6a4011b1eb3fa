/**
 * Result types of the `Cluster` client (PROTOCOL.md §5.3–§5.5).
 */
import type { Readable } from 'node:stream'
import type { DataServerInfo } from '../discovery/node-directory.js'
import type { PymeError } from '../errors.js'

/** One name in a merged directory listing. */
export interface DirectoryEntry {
  /** Name without a trailing `/`. */
  readonly name: string
  /** Cluster path (no leading `/`). */
  readonly path: string
  readonly isDirectory: boolean
  /** Listing flags OR-ed across servers (`FileType`: 1 directory, 2 series, 4 series complete). */
  readonly flags: number
  /** Bytes for a file (from the later server); for a directory the sum of the servers' entry counts (approximate). */
  readonly size: number
  /** A series: the directory holds `metadata.json` (flag 2). */
  readonly isSeries: boolean
  /** A finished series: the directory holds `events.json` (flag 4). */
  readonly isComplete: boolean
  /** URLs of the servers that list it (more than one for a file means it was written twice). */
  readonly locations: readonly string[]
}

/** A server that did not answer (or answered wrongly) during an operation that went on without it. */
export interface NodeFailure {
  readonly server: DataServerInfo
  readonly error: PymeError
}

/**
 * A merged listing. A server that is down or slow does not fail the listing: it is skipped and
 * named in `unreachable`, and asked again by the next call.
 */
export interface DirectoryListing {
  /** Cluster path of the directory (`''` for the root). */
  readonly path: string
  /** Some server has the directory (always true for the root). */
  readonly exists: boolean
  /** Sorted by name (code units), a directory after a file of the same name. */
  readonly entries: readonly DirectoryEntry[]
  readonly unreachable: readonly NodeFailure[]
}

/** One step of `Cluster.walk`, top-down like `os.walk`. */
export interface WalkStep {
  readonly path: string
  /** Names of sub-directories (without `/`). */
  readonly directories: readonly string[]
  readonly files: readonly string[]
  readonly unreachable: readonly NodeFailure[]
}

/** Where a file is: the server and the file's URL there, cheapest (fastest listing) first. */
export interface FileLocation {
  readonly url: string
  readonly server: DataServerInfo
  /** Duration of the listing request that found it, ms (PYME's cost). */
  readonly costMs: number
}

/** A file opened for reading. */
export interface ClusterFileStream {
  /** Length in bytes (undefined only if a server sent no Content-Length). */
  readonly size: number | undefined
  readonly stream: Readable
  /** The file URL, or the local path when read through the local bypass. */
  readonly source: string
  readonly local: boolean
}

/** The outcome of `putFile`. */
export interface PutResult {
  readonly path: string
  readonly url: string
  readonly server: DataServerInfo
  readonly size: number
}

/** One server's `/__status`, with PYME's `Responsive` flag. */
export interface NodeStatus {
  readonly server: DataServerInfo
  readonly responsive: boolean
  /** Cluster the server advertises (ours reports it; PYME's servers do not). */
  readonly cluster?: string
  /** Absolute data root on the server's machine (ours only). */
  readonly root?: string
  readonly computerName?: string
  readonly disk?: { readonly total: number, readonly used: number, readonly free: number }
  /** Per-CPU load, percent. */
  readonly cpuUsage?: readonly number[]
  readonly memUsage?: Readonly<Record<string, number>>
  readonly uptime?: string
  /** The whole status object as the server sent it. */
  readonly raw?: Readonly<Record<string, unknown>>
  /** Why the server is not responsive. */
  readonly error?: PymeError
}

/** Options of calls that list. */
export interface ListOptions {
  /** Throw NodeUnreachableError instead of returning a listing that misses a server. @default false */
  readonly strict?: boolean
  /** Ignore cached listings. @default false */
  readonly fresh?: boolean
}

/** Options of `getFile` / `openFile`. */
export interface GetOptions {
  /** @default ClusterOptions.getTimeoutMs */
  readonly timeoutMs?: number
  /** @default ClusterOptions.getRetries */
  readonly retries?: number
  /** Use the small-file content cache. @default true */
  readonly cache?: boolean
  /** Read local servers' files from disk. @default ClusterOptions.localBypass */
  readonly localBypass?: boolean
}

/** Options of `putFile` / `putStream`. */
export interface PutOptions {
  /** @default ClusterOptions.putTimeoutMs */
  readonly timeoutMs?: number
  /** Write to this server (its URL) instead of the distribution's choice. */
  readonly server?: string
}
