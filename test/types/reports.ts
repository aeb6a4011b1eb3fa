/**
 * Type-level tests (compiled by `npm run typecheck`, never run): the report of a
 * `StoreFailedError` or of a close's `OperationTimeoutError` is usable after `instanceof`
 * without a cast, and the rates of `stats()` are typed. Lines marked `@ts-expect-error` are
 * misuse that must not compile.
 */
import {
  ClusterBackend, OperationTimeoutError, StoreFailedError, Streamer,
  type BackendReport, type ClusterBackendReport, type CopiesAck, type StoreReport, type StreamReport, type Throughput
} from 'pyme-cluster'

declare function use (...values: unknown[]): void
declare const err: unknown

if (err instanceof StoreFailedError) {
  const failed: readonly string[] = err.failed
  const report: StoreReport | undefined = err.report
  if (report !== undefined && 'stream' in report) {
    // A ClusterBackend's report: frames, the Streamer's report, copies, unreachable files.
    const cluster: ClusterBackendReport = report
    const frames: number = report.frames
    const stream: StreamReport | null = report.stream
    use(cluster, frames, stream, report.copies[0]?.missed, report.unreachable[0]?.files)
  }
  if (report !== undefined && 'sequenceId' in report) {
    const series: BackendReport = report
    use(series.missing, series.complete)
  }
  if (report !== undefined && 'nodes' in report) {
    const stream: StreamReport = report
    use(stream.files, stream.failed[0]?.error)
  }
  // @ts-expect-error a Streamer's report has no frames: narrow first
  use(report?.frames)
  // @ts-expect-error the report is typed, not any
  use(err.report?.whatever)
  use(failed)
}

if (err instanceof OperationTimeoutError) {
  // A close that ran out of closeTimeoutMs names what was not stored and carries its report.
  const failed: readonly string[] = err.failed
  const report: StoreReport | undefined = err.report
  if (report !== undefined && 'stream' in report) use(report.frameCount - report.frames)
  // @ts-expect-error failed is read-only
  err.failed.push('x')
  use(failed)
}

// @ts-expect-error a report must be one of the report types
use(new StoreFailedError('m', [], { files: 1 }))

declare const backend: ClusterBackend
const rate: Throughput = backend.stats().rate
const fps: number = rate.framesPerSecond + backend.stats().averageRate.rawBytesPerSecond + rate.wireBytesPerSecond
use(fps)

declare const streamer: Streamer
const copies: CopiesAck = await streamer.putCopies('a/b', new Uint8Array(1), { afterAll: true })
use(copies.stored[0]?.node, copies.missed[0]?.error)
streamer.on('all-nodes-down', (e) => { use(e.nodes.length, e.waiting) })
backend.on('all-nodes-down', () => {})
