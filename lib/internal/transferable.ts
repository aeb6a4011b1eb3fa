/**
 * Whether an ArrayBuffer may go in a `postMessage` transfer list.
 *
 * Node marks some buffers untransferable, above all the slabs its Buffer pool cuts small
 * Buffers from (`Buffer.from`, `Buffer.allocUnsafe` under 4 KiB, many `fs` reads). Node 20
 * copies such a buffer when it is listed for transfer; Node 21+ throws `DataCloneError`
 * ("Cannot transfer object of unsupported type") and fails the whole message. Node 21 added
 * `isMarkedAsUntransferable`; where it is missing, listing the buffer is safe (it is copied).
 * SharedArrayBuffers are shared by `postMessage`, never transferred.
 */
import * as workerThreads from 'node:worker_threads'

const isMarked = (workerThreads as { isMarkedAsUntransferable?: (object: object) => boolean }).isMarkedAsUntransferable

/** True if `buffer` can be listed for transfer (moved, not copied, to another thread). */
export function canTransfer (buffer: ArrayBufferLike): buffer is ArrayBuffer {
  if (!(buffer instanceof ArrayBuffer)) return false
  return isMarked === undefined || !isMarked(buffer)
}

/** True if `view` spans the whole of a transferable buffer: moving it moves nothing else. */
export function ownsWholeBuffer (view: ArrayBufferView): boolean {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && canTransfer(view.buffer)
}
