/**
 * `storeError`: how a backend's `finalize()` rejects when it did not store everything.
 */
import { OperationTimeoutError, StoreFailedError } from '../errors.js'
import { nameList } from '../internal/name-list.js'
import type { BackendReport } from './backend.js'

/**
 * The rejection of a `finalize()` that did not store everything: `OperationTimeoutError` when the
 * close deadline (`closeTimeoutMs`) ended some file, else `StoreFailedError`; both name every
 * file not stored and carry the report.
 */
export function storeError (report: BackendReport, cause?: unknown): StoreFailedError | OperationTimeoutError {
  const names = report.failed.map((f) => f.name)
  const timedOut = report.failed.some((f) => f.error instanceof OperationTimeoutError && f.error.code === 'PYME_ERR_TIMEOUT')
  const complete = report.complete ? '' : '; the series is not complete (no events.json)'
  if (timedOut) {
    return new OperationTimeoutError(`${report.url}: the close deadline (closeTimeoutMs) passed with ${names.length} file(s) not stored: ${nameList(names)}${complete}`, { failed: names, report, cause })
  }
  return new StoreFailedError(`${names.length} file(s) of ${report.url} were not stored: ${nameList(names)}${complete}`, names, report, { cause })
}
