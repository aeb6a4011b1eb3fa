/**
 * Worker-thread side of {@link PzfEncoderPool}: runs one task at a time and answers with
 * the result's buffer transferred back (no copy).
 * ```
 *   in:  { id, op: 'encode', data, options }
 *        { id, op: 'encodeInto', data, options, target, giveBack }   target (and data when
 *                                                                    giveBack) moved in and out
 *        { id, op: 'filter', module, exportName, data, arg }
 *   out: 'started' (once, when loaded)
 *        { id, ok: true, result: Uint8Array, data: PzfPixels | null }
 *        { id, ok: false, error: { name, code, message } }   (lent buffers are dropped)
 * ```
 * Started only by the pool; does nothing when imported on the main thread.
 */
import { parentPort } from 'node:worker_threads'
import { canTransfer } from '../internal/transferable.js'
import { encodePzf, encodePzfInto, type PzfEncodeOptions } from './encode-pzf.js'
import type { PzfPixels } from './format.js'

/** A message from the pool to a worker. */
export type PzfWorkerRequest =
  | { readonly id: number, readonly op: 'encode', readonly data: PzfPixels, readonly options: PzfEncodeOptions }
  | { readonly id: number, readonly op: 'encodeInto', readonly data: PzfPixels, readonly options: PzfEncodeOptions,
    readonly target: ArrayBuffer, readonly giveBack: boolean }
  | { readonly id: number, readonly op: 'filter', readonly module: string, readonly exportName: string,
    readonly data: PzfPixels, readonly arg: unknown }

/** A worker's answer. `target`/`data` come back (moved) when the request lent them. */
export type PzfWorkerResponse =
  | { readonly id: number, readonly ok: true, readonly result: Uint8Array, readonly data: PzfPixels | null }
  | { readonly id: number, readonly ok: false, readonly error: { readonly name: string, readonly code: string | undefined, readonly message: string } }

type Filter = (data: PzfPixels, arg: unknown) => Uint8Array | Promise<Uint8Array>

async function run (req: PzfWorkerRequest): Promise<Uint8Array> {
  if (req.op === 'encode') return encodePzf(req.data, req.options)
  if (req.op === 'encodeInto') {
    const out = new Uint8Array(req.target)
    return out.subarray(0, encodePzfInto(req.data, req.options, out))
  }
  const mod = await import(req.module) as Record<string, unknown>
  const fn = mod[req.exportName]
  if (typeof fn !== 'function') throw new TypeError(`filter module ${req.module} has no function export '${req.exportName}'`)
  const result = await (fn as Filter)(req.data, req.arg)
  if (!(result instanceof Uint8Array)) throw new TypeError(`filter '${req.exportName}' returned ${typeof result}, not a Uint8Array`)
  return result
}

/** The buffers to move back with an answer: the result's, and the lent input's. */
function moving (result: Uint8Array, data: PzfPixels | null): ArrayBuffer[] {
  const list: ArrayBuffer[] = []
  // A filter may return a view of a pooled or shared buffer: those are copied, not moved.
  if (canTransfer(result.buffer)) list.push(result.buffer)
  if (data !== null && data.buffer !== result.buffer && canTransfer(data.buffer)) list.push(data.buffer)
  return list
}

const port = parentPort
if (port !== null) {
  port.on('message', (req: PzfWorkerRequest) => {
    const lent = req.op === 'encodeInto' && req.giveBack ? req.data : null
    run(req).then((result) => {
      port.postMessage({ id: req.id, ok: true, result, data: lent } satisfies PzfWorkerResponse, moving(result, lent))
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
