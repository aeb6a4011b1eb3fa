/**
 * Exit codes of the `pyme-cluster` command, by error code. Documented in docs/errors.md
 * ("Exit codes"); scripts may rely on them.
 */
import type { PymeErrorCode } from '../errors.js'

export const exitCodes = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  EXISTS: 4,
  NO_SERVERS: 5,
  STORE_FAILED: 6,
  TIMEOUT: 7,
  BAD_DATA: 8,
  INTERRUPTED: 130
} as const

/** The exit code for a PymeError code (1 for anything not listed). */
export function exitCodeFor (code: PymeErrorCode | undefined): number {
  switch (code) {
    case 'PYME_ERR_INVALID_ARGUMENT':
    case 'PYME_ERR_INVALID_NAME':
    case 'PYME_ERR_INVALID_URI':
      return exitCodes.USAGE
    case 'PYME_ERR_NOT_FOUND':
      return exitCodes.NOT_FOUND
    case 'PYME_ERR_EXISTS':
      return exitCodes.EXISTS
    case 'PYME_ERR_NO_SERVERS':
    case 'PYME_ERR_NODE_UNREACHABLE':
      return exitCodes.NO_SERVERS
    case 'PYME_ERR_STORE_FAILED':
    case 'PYME_ERR_VERIFY':
      return exitCodes.STORE_FAILED
    case 'PYME_ERR_TIMEOUT':
    case 'PYME_ERR_ACK_TIMEOUT':
      return exitCodes.TIMEOUT
    case 'PYME_ERR_PZF_FORMAT':
    case 'PYME_ERR_PZF_LIMIT':
    case 'PYME_ERR_INVALID_FRAME':
    case 'PYME_ERR_DUPLICATE_FRAME':
    case 'PYME_ERR_SERIES_FORMAT':
    case 'PYME_ERR_HDF5':
      return exitCodes.BAD_DATA
    default:
      return exitCodes.FAILURE
  }
}
