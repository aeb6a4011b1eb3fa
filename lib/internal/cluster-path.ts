/**
 * Cluster paths: `/`-separated, relative to the cluster root (PROTOCOL.md §2.1).
 *
 * Write paths must match `^[\p{L}\p{N}_/.\-]+$` (PYME's `^[\w/\.\-]+$` without its
 * trailing-newline loophole) and may not contain empty, `.` or `..` components. A leading
 * `/` is normalised away; a trailing `/` names a directory.
 */
import { InvalidNameError } from '../errors.js'

const LEGAL = /^[\p{L}\p{N}_/.-]+$/u

/** A normalised cluster path and whether it names a directory (trailing `/`). */
export interface ClusterPath {
  /** Normalised path without leading or trailing `/`; `''` is the root. */
  readonly path: string
  readonly isDirectory: boolean
}

function components (raw: string, what: string): string[] {
  const trimmed = raw.replace(/^\/+/, '').replace(/\/+$/, '')
  if (trimmed === '') return []
  const parts = trimmed.split('/')
  for (const p of parts) {
    if (p === '') throw new InvalidNameError(`${what} '${raw}' has an empty path component`)
    if (p === '.' || p === '..') throw new InvalidNameError(`${what} '${raw}' has a '${p}' path component`)
  }
  return parts
}

/**
 * Validates a path that will be written (PUT, Streamer, backend). Throws `InvalidNameError`
 * with the reason; returns the normalised form.
 */
export function parseWritePath (raw: string): ClusterPath {
  if (typeof raw !== 'string') throw new InvalidNameError('cluster path must be a string')
  if (!LEGAL.test(raw)) {
    throw new InvalidNameError(`name '${raw}' is invalid: names may contain only letters, digits, '_', '/', '.' and '-'`)
  }
  const parts = components(raw, 'name')
  if (parts.length === 0) throw new InvalidNameError('name is empty (the cluster root cannot be written)')
  return { path: parts.join('/'), isDirectory: raw.endsWith('/') }
}

/**
 * Normalises a path that will be read or listed. Reads are more lenient than writes (files
 * written by other tools may use any character), but `.`/`..`/empty components and NUL are
 * still refused so that a path always means one place.
 */
export function parseReadPath (raw: string): ClusterPath {
  if (typeof raw !== 'string') throw new InvalidNameError('cluster path must be a string')
  if (raw.includes('\u0000')) throw new InvalidNameError('cluster path contains a NUL byte')
  if (/[\r\n]/.test(raw)) throw new InvalidNameError('cluster path contains a line break')
  const parts = components(raw, 'path')
  return { path: parts.join('/'), isDirectory: raw.endsWith('/') || parts.length === 0 }
}

/** Joins cluster path pieces with single slashes (no validation). */
export function joinClusterPath (...pieces: readonly string[]): string {
  return pieces.map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '').join('/')
}

/** Orders names by UTF-16 code units (listing keys, server names): stable across locales. */
export function compareNames (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Splits a normalised path into its directory (`''` for the root) and base name. */
export function splitClusterPath (path: string): readonly [dir: string, base: string] {
  const i = path.lastIndexOf('/')
  return i < 0 ? ['', path] : [path.slice(0, i), path.slice(i + 1)]
}

/**
 * Percent-encodes a normalised cluster path for a request line: ASCII letters, digits and
 * `_ . - /` stay as they are (so PYME-style names go on the wire byte for byte); everything
 * else, non-ASCII included, is UTF-8 percent-encoded (PROTOCOL.md §2.1 SHOULD).
 */
export function encodeClusterPath (path: string): string {
  return path.replace(/[^A-Za-z0-9_./-]/gu, (c) => encodeURIComponent(c))
}
