/**
 * Worker-thread side of {@link PzfEncoderPool}: runs one task at a time and answers with
 * the result's buffer transferred back (no copy).
 * ```
 *   in:  { id, op: 'encode', data, options }  |  { id, op: 'filter', module, exportName, data, arg }
 *   out: 'started' (once, when loaded)
 *        { id, ok: true, result: Uint8Array } |  { id, ok: false, error: { name, code, message } }
 * ```
 * Started only by the pool; does nothing when imported on the main thread.
 */
import { parentPort } from 'node:worker_threads'
import { canTransfer } from '../internal/transferable.js'
import { encodePzf, type PzfEncodeOptions } from './encode-pzf.js'
import type { PzfPixels } from './format.js'

/** A message from the pool to a worker. */
export type PzfWorkerRequest =
  | { readonly id: number, readonly op: 'encode', readonly data: PzfPixels, readonly options: PzfEncodeOptions }
  | { readonly id: number, readonly op: 'filter', readonly module: string, readonly exportName: string,
    readonly data: PzfPixels, readonly arg: unknown }

/** A worker's answer. */
export type PzfWorkerResponse =
  | { readonly id: number, readonly ok: true, readonly result: Uint8Array }
  | { readonly id: number, readonly ok: false, readonly error: { readonly name: string, readonly code: string | undefined, readonly message: string } }

type Filter = (data: PzfPixels, arg: unknown) => Uint8Array | Promise<Uint8Array>

async function run (req: PzfWorkerRequest): Promise<Uint8Array> {
  if (req.op === 'encode') return encodePzf(req.data, req.options)
  const mod = await import(req.module) as Record<string, unknown>
  const fn = mod[req.exportName]
  if (typeof fn !== 'function') throw new TypeError(`filter module ${req.module} has no function export '${req.exportName}'`)
  const result = await (fn as Filter)(req.data, req.arg)
  if (!(result instanceof Uint8Array)) throw new TypeError(`filter '${req.exportName}' returned ${typeof result}, not a Uint8Array`)
  return result
}

const port = parentPort
if (port !== null) {
  port.on('message', (req: PzfWorkerRequest) => {
    run(req).then((result) => {
      // A filter may return a view of a pooled or shared buffer: those are copied, not moved.
      const transfer = canTransfer(result.buffer) ? [result.buffer] : []
      port.postMessage({ id: req.id, ok: true, result } satisfies PzfWorkerResponse, transfer)
    }, (err: unknown) => {
      const e = err as { name?: unknown, code?: unknown, message?: unknown }
      port.postMessage({
        id: req.id,
        ok: false,
        error: {
          name: typeof e?.name === 'string' ? e.name : 'Error',
          code: typeof e?.code === 'string' ? e.code : undefined,
          message: typeof e?.message === 'string' ? e.message : String(err)
        }
      } satisfies PzfWorkerResponse)
    })
  })
  // Loaded: from here on an error is a task's or a crash, not a failure to start.
  port.postMessage('started')
}
