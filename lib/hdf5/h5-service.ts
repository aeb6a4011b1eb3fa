/**
 * `H5Service`: HDF5 files behind one worker thread (h5-worker.ts). The worker, and with it
 * the 4 MB h5wasm module, starts on the first request: importing this file costs nothing.
 *
 *   caller ──request (body transferred)──▶ worker: H5File cache ─▶ h5wasm ─▶ disk
 *          ◀──────── result / error ───────
 *
 * Requests are applied in arrival order, one at a time. Errors come back as the library's
 * own classes (by code): `AlreadyExistsError`, `NotFoundError`, `InvalidArgumentError`,
 * `SeriesFormatError`, `PzfFormatError`, `Hdf5Error`; `unsupported` is set on
 * InvalidArgumentErrors for well-formed data we do not store (the server's 415).
 */
import { Worker } from 'node:worker_threads'
import {
  AlreadyExistsError, ClosedError, Hdf5Error, InvalidArgumentError, NotFoundError, PzfFormatError, SeriesFormatError, WorkerError, type PymeError
} from '../errors.js'
import { workerExecArgv, workerExecArgvFallback } from '../internal/worker-exec-argv.js'
import type { H5Request, H5Response, H5WorkerOptions } from './h5-protocol.js'

const WORKER_URL = new URL(`./h5-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

/** Options of `H5Service`. */
export interface H5ServiceOptions {
  /** fsync every committed append (power-loss safe; see docs/hdf5.md). @default false */
  readonly fsync?: boolean
  /** Files kept open at most; the least recently used is closed first. @default 64 */
  readonly maxOpenFiles?: number
  /** A file unused this long is closed, ms. @default 30000 */
  readonly idleCloseMs?: number
  /** @internal fault injection: SIGKILL after this many file writes in one append */
  readonly unsafeKillAfterWrites?: number
}

/** What a `put` of a series member did (PYME ignores unknown members). */
export type SeriesPutOutcome = 'stored' | 'ignored'

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never

interface Pending {
  readonly resolve: (v: unknown) => void
  readonly reject: (e: Error) => void
}

function toError (e: { name: string, code: string | undefined, message: string }): PymeError {
  switch (e.code) {
    case 'PYME_ERR_EXISTS': return new AlreadyExistsError(e.message)
    case 'PYME_ERR_NOT_FOUND': return new NotFoundError(e.message)
    case 'PYME_ERR_INVALID_ARGUMENT': return Object.assign(new InvalidArgumentError(e.message), { unsupported: e.name === 'UnsupportedDataError' })
    case 'PYME_ERR_SERIES_FORMAT': return new SeriesFormatError(e.message)
    case 'PYME_ERR_PZF_FORMAT': case 'PYME_ERR_PZF_LIMIT': return new PzfFormatError(e.message)
    case 'PYME_ERR_HDF5': return new Hdf5Error(e.message)
    default: return new Hdf5Error(`${e.name}: ${e.message}`)
  }
}

/** How a body goes to the worker. */
export interface H5BodyOptions {
  /**
   * Hand `body`'s ArrayBuffer over to the worker (no copy; `body` is detached afterwards).
   * Only when the view covers its whole, unshared buffer; otherwise it is copied.
   * @default false (copied once)
   */
  readonly transfer?: boolean
}

function ownBuffer (body: Uint8Array, transfer: boolean): ArrayBuffer {
  const buf = body.buffer
  if (transfer && buf instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === buf.byteLength) return buf
  // Uint8Array's slice copies (Buffer's would be a view of Node's shared pool).
  return Uint8Array.prototype.slice.call(body).buffer as ArrayBuffer
}

export class H5Service {
  readonly #options: H5WorkerOptions
  #worker: Worker | undefined
  readonly #pending = new Map<number, Pending>()
  #next = 0
  #closing: Promise<void> | undefined

  constructor (options: H5ServiceOptions = {}) {
    const maxOpenFiles = options.maxOpenFiles ?? 64
    const idleCloseMs = options.idleCloseMs ?? 30_000
    if (!Number.isSafeInteger(maxOpenFiles) || maxOpenFiles < 1) throw new InvalidArgumentError('invalid maxOpenFiles: expected an integer >= 1')
    if (!Number.isSafeInteger(idleCloseMs) || idleCloseMs < 1) throw new InvalidArgumentError('invalid idleCloseMs: expected an integer >= 1')
    this.#options = {
      fsync: options.fsync ?? false,
      maxOpenFiles,
      idleCloseMs,
      ...(options.unsafeKillAfterWrites === undefined ? {} : { unsafeKillAfterWrites: options.unsafeKillAfterWrites })
    }
  }

  /** Whether the worker (and h5wasm) has been started. */
  get started (): boolean { return this.#worker !== undefined }

  #call (req: DistributiveOmit<H5Request, 'id'>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.#closing !== undefined && req.op !== 'close-all') return Promise.reject(new ClosedError('HDF5 service is closed'))
    const worker = this.#worker ?? this.#start()
    const id = this.#next++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      worker.ref()
      worker.postMessage({ ...req, id }, transfer)
    })
  }

  // The host's Node options less those that stop a worker (-e, --input-type, --test, …),
  // else only its loaders (see worker-exec-argv.ts).
  #spawn (): Worker {
    const execArgv = workerExecArgv(process.execArgv)
    try {
      return new Worker(WORKER_URL, { workerData: this.#options, ...(execArgv === undefined ? {} : { execArgv }) })
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err
      return new Worker(WORKER_URL, { workerData: this.#options, execArgv: workerExecArgvFallback(process.execArgv) })
    }
  }

  #start (): Worker {
    const worker = this.#spawn()
    worker.unref()
    worker.on('message', (res: H5Response) => {
      const p = this.#pending.get(res.id)
      if (p === undefined) return
      this.#pending.delete(res.id)
      if (this.#pending.size === 0) worker.unref()
      if (res.ok) p.resolve(res.result)
      else p.reject(toError(res.error))
    })
    const fail = (err: Error): void => {
      if (this.#worker === worker) this.#worker = undefined
      for (const p of this.#pending.values()) p.reject(err)
      this.#pending.clear()
    }
    worker.on('error', (err) => { fail(new WorkerError(`HDF5 worker failed: ${err.message}`, { cause: err })) })
    worker.on('exit', (code) => { fail(new WorkerError(`HDF5 worker exited with code ${code}`)) })
    this.#worker = worker
    return worker
  }

  /** Appends one member of an `.h5` series (metadata.json, frame…, events.json) to `file`, creating it. */
  async putSeriesMember (file: string, member: string, body: Uint8Array, options: H5BodyOptions = {}): Promise<SeriesPutOutcome> {
    const buf = ownBuffer(body, options.transfer === true)
    return await this.#call({ op: 'put-series', file, member, body: buf }, [buf]) as SeriesPutOutcome
  }

  /** Appends a batch (`.npy` or JSON records; JSON metadata for `MetaData`) to table `table` of a results file. */
  async putResults (file: string, table: string, body: Uint8Array, options: H5BodyOptions = {}): Promise<void> {
    const buf = ownBuffer(body, options.transfer === true)
    await this.#call({ op: 'put-results', file, table, body: buf }, [buf])
  }

  /** The member names of an `.h5` series file. */
  async seriesListing (file: string): Promise<string[]> {
    return await this.#call({ op: 'list-series', file }) as string[]
  }

  /** One member of an `.h5` series file (`NotFoundError` when missing). */
  async readSeriesMember (file: string, member: string): Promise<Uint8Array> {
    return await this.#call({ op: 'read-series', file, member }) as Uint8Array
  }

  /** Flushes and closes `file` if it is open. */
  async closeFile (file: string): Promise<void> {
    await this.#call({ op: 'close-file', file })
  }

  /** Closes every open file cleanly, then stops the worker. Idempotent. */
  close (): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close (): Promise<void> {
    const worker = this.#worker
    if (worker === undefined) return
    try {
      await this.#call({ op: 'close-all' })
    } finally {
      this.#worker = undefined
      await worker.terminate()
    }
  }
}
