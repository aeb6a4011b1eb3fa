/**
 * Errors of pyme-cluster.
 *
 * Every failure the library reports is a `PymeError` with a stable `code`
 * (`PYME_ERR_*`). Users match on `code` (or `instanceof`), never on `message`.
 * `docs/errors.md` lists every code; `test/errors.test.ts` keeps the two in step.
 * Codes are a contract: a retired code is never reused.
 */
import type { BackendReport } from './backends/backend.js'
import type { ClusterBackendReport } from './backends/cluster-backend.js'
import type { StreamReport } from './streamer/stream-report.js'

const kPymeError = Symbol.for('pyme-cluster.error')

/** Options common to every error constructor. */
export interface PymeErrorOptions {
  readonly cause?: unknown
}

/** Base class of every error this package throws or rejects with. */
export class PymeError extends Error {
  readonly code: PymeErrorCode

  constructor (message: string, code: PymeErrorCode = 'PYME_ERR_UNKNOWN', options?: PymeErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'PymeError'
    this.code = code
  }

  /** `instanceof` that survives two copies of this package in one process. */
  static override [Symbol.hasInstance] (value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false
    if (this === PymeError) return (value as Record<symbol, unknown>)[kPymeError] === true
    return Function.prototype[Symbol.hasInstance].call(this, value)
  }

  get [kPymeError] (): true { return true }
}

/** A caller passed a bad option or argument; the message names it. */
export class InvalidArgumentError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_INVALID_ARGUMENT', options)
    this.name = 'InvalidArgumentError'
  }
}

/** A cluster path is not a legal PYME name (`^[\p{L}\p{N}_/.\-]+$`, no `.`/`..` parts). */
export class InvalidNameError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_INVALID_NAME', options)
    this.name = 'InvalidNameError'
  }
}

/** A `PYME-CLUSTER://` URI could not be parsed. */
export class InvalidUriError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_INVALID_URI', options)
    this.name = 'InvalidUriError'
  }
}

/** Bytes that should be a PZF frame are not one (truncated, inconsistent, garbage). */
export class PzfFormatError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions & { code?: PymeErrorCode }) {
    super(message, options?.code ?? 'PYME_ERR_PZF_FORMAT', options)
    this.name = 'PzfFormatError'
  }
}

/** A PZF frame is well-formed but exceeds the decoder's configured limits. */
export class PzfLimitError extends PzfFormatError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, { ...options, code: 'PYME_ERR_PZF_LIMIT' })
    this.name = 'PzfLimitError'
  }
}

/** A frame given to a backend is of the wrong size or type, out of range, or given twice. */
export class InvalidFrameError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions & { code?: PymeErrorCode }) {
    super(message, options?.code ?? 'PYME_ERR_INVALID_FRAME', options)
    this.name = 'InvalidFrameError'
  }
}

/** A frame index was stored before; a series holds each index once. */
export class DuplicateFrameError extends InvalidFrameError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, { ...options, code: 'PYME_ERR_DUPLICATE_FRAME' })
    this.name = 'DuplicateFrameError'
  }
}

/** A file or directory does not exist anywhere the client looked. */
export class NotFoundError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_NOT_FOUND', options)
    this.name = 'NotFoundError'
  }
}

/** A write-once name already exists (HTTP 405 from a data server, or known to the cache). */
export class AlreadyExistsError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_EXISTS', options)
    this.name = 'AlreadyExistsError'
  }
}

/** No data server of the requested cluster answered. */
export class NoServersError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_NO_SERVERS', options)
    this.name = 'NoServersError'
  }
}

/** A data server could not be reached (refused, reset, unreachable). */
export class NodeUnreachableError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_NODE_UNREACHABLE', options)
    this.name = 'NodeUnreachableError'
  }
}

/** A data server answered with a status the operation cannot accept. */
export class HttpStatusError extends PymeError {
  readonly status: number
  readonly url: string

  constructor (message: string, status: number, url: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_HTTP_STATUS', options)
    this.name = 'HttpStatusError'
    this.status = status
    this.url = url
  }
}

/**
 * What a `StoreFailedError`, or the `OperationTimeoutError` of a close that ran out of time,
 * carries as `report`: a backend's `finalize()`/`close()` report (`ClusterBackendReport`, with
 * `stream`, for a `ClusterBackend`), or a `Streamer`'s `close()` report (`StreamReport`).
 * Narrow it with `'sequenceId' in report` (a series) and then `'stream' in report` (a
 * ClusterBackend's), or `'nodes' in report` (a Streamer's).
 */
export type StoreReport = ClusterBackendReport | BackendReport | StreamReport

/**
 * An operation did not finish within its time limit. When a close (`Streamer.close()`, a
 * backend's `finalize()`/`close()`) ran out of `closeTimeoutMs`, `failed` names every file not
 * stored and `report` is the close's report; elsewhere `failed` is empty and `report` undefined.
 */
export class OperationTimeoutError extends PymeError {
  readonly failed: readonly string[]
  readonly report: StoreReport | undefined

  constructor (message: string, options?: PymeErrorOptions & { code?: PymeErrorCode, failed?: readonly string[], report?: StoreReport }) {
    super(message, options?.code ?? 'PYME_ERR_TIMEOUT', options)
    this.name = 'OperationTimeoutError'
    this.failed = options?.failed ?? []
    this.report = options?.report
  }
}

/** A sent file was not acknowledged by its data server in time. */
export class AckTimeoutError extends OperationTimeoutError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, { ...options, code: 'PYME_ERR_ACK_TIMEOUT' })
    this.name = 'AckTimeoutError'
  }
}

/** One or more files could not be stored on any node; `failed` names them, `report` (when known) is the whole account. */
export class StoreFailedError extends PymeError {
  readonly failed: readonly string[]
  readonly report: StoreReport | undefined

  constructor (message: string, failed: readonly string[], report?: StoreReport, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_STORE_FAILED', options)
    this.name = 'StoreFailedError'
    this.failed = failed
    this.report = report
  }
}

/** Encoding a frame (or a user `filter`) failed for one item. */
export class EncodeError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_ENCODE', options)
    this.name = 'EncodeError'
  }
}

/** A worker thread died or could not start. */
export class WorkerError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions & { code?: PymeErrorCode }) {
    super(message, options?.code ?? 'PYME_ERR_WORKER', options)
    this.name = 'WorkerError'
  }
}

/**
 * Worker threads cannot start in this process (its Node options, a loader that fails in
 * workers, no threads left): permanent for the pool, so it is reported once and every
 * task after it fails at once with the same error.
 */
export class WorkerStartError extends WorkerError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, { ...options, code: 'PYME_ERR_WORKER_START' })
    this.name = 'WorkerStartError'
  }
}

/** The spill journal is unreadable or could not be written. */
export class JournalError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_JOURNAL', options)
    this.name = 'JournalError'
  }
}

/** The host-local SQLite registry could not be read or written. */
export class RegistryError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_REGISTRY', options)
    this.name = 'RegistryError'
  }
}

/** A data server (or the console gateway) failed to start or hit an unrecoverable error. */
export class ServerError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_SERVER', options)
    this.name = 'ServerError'
  }
}

/** Data read back differs from what was written. */
export class VerificationError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_VERIFY', options)
    this.name = 'VerificationError'
  }
}

/** A series file (metadata.json, events.json) cannot be parsed, or a series is inconsistent. */
export class SeriesFormatError extends PymeError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_SERIES_FORMAT', options)
    this.name = 'SeriesFormatError'
  }
}

/** An HDF5 file could not be read or written: not PYME's layout, damaged, or the HDF5 library failed. */
export class Hdf5Error extends PymeError {
  constructor (message: string, options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_HDF5', options)
    this.name = 'Hdf5Error'
  }
}

/** The object was closed; `close()` has run or is running. */
export class ClosedError extends PymeError {
  constructor (message = 'closed', options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_CLOSED', options)
    this.name = 'ClosedError'
  }
}

/** The object was destroyed; in-flight work was aborted. */
export class DestroyedError extends PymeError {
  constructor (message = 'destroyed', options?: PymeErrorOptions) {
    super(message, 'PYME_ERR_DESTROYED', options)
    this.name = 'DestroyedError'
  }
}

/** Every code this package uses, with its class name. Keep in step with docs/errors.md. */
export const errorCodes = {
  PYME_ERR_UNKNOWN: 'PymeError',
  PYME_ERR_INVALID_ARGUMENT: 'InvalidArgumentError',
  PYME_ERR_INVALID_NAME: 'InvalidNameError',
  PYME_ERR_INVALID_URI: 'InvalidUriError',
  PYME_ERR_PZF_FORMAT: 'PzfFormatError',
  PYME_ERR_PZF_LIMIT: 'PzfLimitError',
  PYME_ERR_INVALID_FRAME: 'InvalidFrameError',
  PYME_ERR_DUPLICATE_FRAME: 'DuplicateFrameError',
  PYME_ERR_NOT_FOUND: 'NotFoundError',
  PYME_ERR_EXISTS: 'AlreadyExistsError',
  PYME_ERR_NO_SERVERS: 'NoServersError',
  PYME_ERR_NODE_UNREACHABLE: 'NodeUnreachableError',
  PYME_ERR_HTTP_STATUS: 'HttpStatusError',
  PYME_ERR_TIMEOUT: 'OperationTimeoutError',
  PYME_ERR_ACK_TIMEOUT: 'AckTimeoutError',
  PYME_ERR_STORE_FAILED: 'StoreFailedError',
  PYME_ERR_ENCODE: 'EncodeError',
  PYME_ERR_WORKER: 'WorkerError',
  PYME_ERR_WORKER_START: 'WorkerStartError',
  PYME_ERR_JOURNAL: 'JournalError',
  PYME_ERR_REGISTRY: 'RegistryError',
  PYME_ERR_SERVER: 'ServerError',
  PYME_ERR_VERIFY: 'VerificationError',
  PYME_ERR_SERIES_FORMAT: 'SeriesFormatError',
  PYME_ERR_HDF5: 'Hdf5Error',
  PYME_ERR_CLOSED: 'ClosedError',
  PYME_ERR_DESTROYED: 'DestroyedError'
} as const

/** A stable error code. */
export type PymeErrorCode = keyof typeof errorCodes
