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
  WorkerStartError,
  JournalError,
  RegistryError,
  ServerError,
  VerificationError,
  SeriesFormatError,
  Hdf5Error,
  ClosedError,
  DestroyedError,
  errorCodes
} from './errors.js'
export type { PymeErrorCode, PymeErrorOptions, StoreReport } from './errors.js'

// PZF codec (also at pyme-cluster/pzf)
export {
  encodePzf, encodePzfInto, maxPzfLength, decodePzf, decodePzfInto, decodedPzfLength, readPzfHeader, initPzfWasm,
  PzfEncoderPool, allocateFramed
} from './pzf/index.js'
export type {
  PzfEncodeOptions, PzfQuantization, DecodedPzf, PzfDecodeLimits, PzfDecodeOptions, PzfImpl, PzfCompression,
  PzfDimOrder, PzfDtype, PzfHeader, PzfPixels, PzfPixelsOf, PzfEncoderPoolOptions, PzfPoolTaskOptions
} from './pzf/index.js'

// Cluster paths and PYME-CLUSTER:// URIs
export { parseClusterUri, formatClusterUri, isClusterUri } from './cluster/cluster-uri.js'
export type { ClusterUri } from './cluster/cluster-uri.js'

// Cluster client
export { Cluster } from './cluster/cluster.js'
export type { ListOptions, GetOptions, PutOptions } from './cluster/cluster-types.js'
export type { ClusterOptions } from './cluster/cluster-options.js'
export type {
  DirectoryEntry, DirectoryListing, NodeFailure, WalkStep, FileLocation, ClusterFileStream, PutResult, NodeStatus
} from './cluster/cluster-types.js'
export type { PutDistribution, PutDistributionFn } from './cluster/put-distribution.js'
export { FileType } from './cluster/node-listing.js'
export type { DataServerInfo, DiscoveryOptions } from './discovery/index.js'

// Streamer
export { Streamer } from './streamer/streamer.js'
export type { PutHint, FrameHint, BarrierOptions } from './streamer/put-arguments.js'
export type { RetryEvent, NodeDownEvent, AllNodesDownEvent, OverflowEvent, StreamerEvents } from './streamer/streamer-events.js'
export type { CopiesAck, CopiesOptions, CopyMiss } from './streamer/copy-set.js'
export { DEFAULT_MEMORY_BUDGET } from './streamer/streamer-options.js'
export type { StreamerOptions, StreamFilter, EncoderPool, OverflowPolicy } from './streamer/streamer-options.js'
export type { Clock, ClockTimer } from './internal/clock.js'
export { roundRobinDistribution, chunkedDistribution, randomDistribution, leastLoadedDistribution } from './streamer/distribution.js'
export type { DistributionFn, DistributionContext, DistributionName, NodeView, NodeState } from './streamer/distribution.js'
export type { Ack } from './streamer/stream-item.js'
export type { StreamReport, StreamStats, NodeReport, NodeStats, FailedPut } from './streamer/stream-report.js'
export { SpillJournalReader, SPILL_MAGIC, SPILL_VERSION } from './streamer/spill-journal.js'
export type { SpillRecord, SpillDtype } from './streamer/spill-journal.js'

// Backends and series reading
export { MetaDataHandler, DEFAULT_FLOAT_KEYS } from './series/metadata-handler.js'
export type { MetaDataHandlerOptions, MetadataValue, MetadataPlainValue, MetadataInput } from './series/metadata-handler.js'
export { PyFloat, float } from './internal/py-float.js'
export { formatPythonJson, pythonFloatRepr } from './internal/python-json.js'
export type { PyJsonValue, PythonJsonOptions } from './internal/python-json.js'
export { parseLenientJson } from './internal/lenient-json.js'
export { EventLog, formatEvents, parseEvents } from './internal/event-log.js'
export type { SeriesEvent } from './internal/event-log.js'
export { METADATA_FILE, FINAL_METADATA_FILE, EVENTS_FILE, MAX_FRAME_INDEX, frameFileName, parseFrameFileName } from './internal/series-layout.js'
export { SeriesReader } from './series/series-reader.js'
export type { SeriesReaderOptions, SeriesFramesOptions, SeriesStatus } from './series/series-reader.js'
export type { SeriesSource } from './series/series-source.js'
export { FolderSource } from './series/folder-source.js'
export { H5Source } from './series/h5-source.js'
export { ClusterSource } from './series/cluster-source.js'
export type { ClusterSourceOptions } from './series/cluster-source.js'
export type { Backend, BackendReport, BackendState, BackendStats, FailedFile, FramePixels } from './backends/backend.js'
export type { SeriesStore } from './backends/series-store.js'
export type { SeriesBackendOptions, BackendQuantization } from './backends/series-backend-options.js'
export { SeriesBackend } from './backends/series-backend.js'
export { MemoryBackend } from './backends/memory-backend.js'
export type { MemoryBackendOptions } from './backends/memory-backend.js'
export { MemoryStore } from './backends/memory-store.js'
export { FolderBackend } from './backends/folder-backend.js'
export type { FolderBackendOptions } from './backends/folder-backend.js'
export { HdfBackend } from './backends/hdf-backend.js'
export type { HdfBackendOptions } from './backends/hdf-backend.js'
export { FolderStore } from './backends/folder-store.js'
export type { FolderStoreOptions } from './backends/folder-store.js'
export { newSequenceId, MAX_SEQUENCE_ID } from './backends/sequence-id.js'
export { ClusterBackend } from './backends/cluster-backend.js'
export type { ClusterBackendOptions, ClusterBackendReport, ClusterBackendStats, ClusterStreamerTuning } from './backends/cluster-backend.js'
export type { CopyReport, UnreachableFiles } from './backends/series-placement.js'
export { throughput } from './backends/throughput-meter.js'
export type { Throughput } from './backends/throughput-meter.js'
export { ClusterStore } from './backends/cluster-store.js'
export type { ClusterTarget } from './backends/cluster-store.js'
