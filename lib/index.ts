/**
 * pyme-cluster: the public API of the package root. Explicit named re-exports only.
 * Subpaths: `pyme-cluster/pzf`, `pyme-cluster/server`, `pyme-cluster/discovery`.
 */

// Errors
export {
  PymeError,
  InvalidArgumentError,
  InvalidNameError,
  InvalidUriError,
  PzfFormatError,
  PzfLimitError,
  InvalidFrameError,
  DuplicateFrameError,
  NotFoundError,
  AlreadyExistsError,
  NoServersError,
  NodeUnreachableError,
  HttpStatusError,
  OperationTimeoutError,
  AckTimeoutError,
  StoreFailedError,
  EncodeError,
  WorkerError,
  JournalError,
  RegistryError,
  ServerError,
  VerificationError,
  SeriesFormatError,
  ClosedError,
  DestroyedError,
  errorCodes
} from './errors.js'
export type { PymeErrorCode, PymeErrorOptions } from './errors.js'

// PZF codec (also at pyme-cluster/pzf)
export { encodePzf, encodePzfInto, maxPzfLength, decodePzf, readPzfHeader, PzfEncoderPool } from './pzf/index.js'
export type {
  PzfEncodeOptions, PzfQuantization, DecodedPzf, PzfDecodeLimits, PzfCompression, PzfDimOrder, PzfDtype, PzfHeader,
  PzfPixels, PzfEncoderPoolOptions, PzfPoolTaskOptions
} from './pzf/index.js'

// Cluster paths and PYME-CLUSTER:// URIs
export { parseClusterUri, formatClusterUri, isClusterUri } from './cluster/cluster-uri.js'
export type { ClusterUri } from './cluster/cluster-uri.js'

// Cluster client

// Streamer

// Backends and series reading
export { MetaDataHandler, DEFAULT_FLOAT_KEYS } from './series/metadata-handler.js'
export type { MetaDataHandlerOptions, MetadataValue, MetadataPlainValue, MetadataInput } from './series/metadata-handler.js'
export { PyFloat, float } from './series/py-float.js'
export { formatPythonJson, pythonFloatRepr } from './series/python-json.js'
export type { PyJsonValue, PythonJsonOptions } from './series/python-json.js'
export { parseLenientJson } from './series/lenient-json.js'
export { EventLog, formatEvents, parseEvents } from './series/event-log.js'
export type { SeriesEvent } from './series/event-log.js'
