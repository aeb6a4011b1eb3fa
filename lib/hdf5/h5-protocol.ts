/** Messages between `H5Service` and its worker thread (h5-worker.ts). */

/** Settings the worker starts with. */
export interface H5WorkerOptions {
  readonly fsync: boolean
  readonly maxOpenFiles: number
  readonly idleCloseMs: number
  /** @internal fault injection (RollbackJournalOptions.unsafeKillAfterWrites) */
  readonly unsafeKillAfterWrites?: number
}

/** A request; `body` buffers are transferred. */
export type H5Request =
  | { readonly id: number, readonly op: 'put-series', readonly file: string, readonly member: string, readonly body: ArrayBuffer }
  | { readonly id: number, readonly op: 'put-results', readonly file: string, readonly table: string, readonly body: ArrayBuffer }
  | { readonly id: number, readonly op: 'list-series', readonly file: string }
  | { readonly id: number, readonly op: 'read-series', readonly file: string, readonly member: string }
  | { readonly id: number, readonly op: 'close-file', readonly file: string }
  | { readonly id: number, readonly op: 'close-all' }

/** The answer to request `id`. */
export type H5Response =
  | { readonly id: number, readonly ok: true, readonly result: unknown }
  | { readonly id: number, readonly ok: false, readonly error: { readonly name: string, readonly code: string | undefined, readonly message: string } }
