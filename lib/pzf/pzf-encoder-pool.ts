/**
 * A fixed pool of worker threads that encode PZF frames (or run user filters) off the
 * main thread. The Streamer and the backends rely on this contract.
 *
 * ```
 *   encode() --> validate (main thread) --> queue (ring) --> idle worker --> result buffer
 *                                           |  pending = queued + running    transferred back
 *                                           '-- saturated when pending >= maxQueue; ready() waits
 * ```
 * - Workers start lazily on the first task (none at construction or import) and are
 *   `unref`ed while idle, so an idle pool never keeps the process alive.
 * - A worker that dies fails only its own task (WorkerError) and is replaced on demand.
 * - `maxQueue` is a high-water mark like a stream's: tasks beyond it are still accepted,
 *   `saturated` and `ready()` tell producers to wait.
 * - `close()` finishes queued work then ends the workers; `destroy()` rejects everything
 *   pending with DestroyedError at once. Both idempotent.
 */
import { availableParallelism } from 'node:os'
import { resolve as resolvePath } from 'node:path'
import { pathToFileURL } from 'node:url'
import { debuglog } from 'node:util'
import { Worker } from 'node:worker_threads'
import { ClosedError, DestroyedError, EncodeError, InvalidArgumentError, WorkerError, WorkerStartError } from '../errors.js'
import { checkOptionsObject, integerOption } from '../internal/options.js'
import { planPzfEncode, type PzfEncodeOptions } from './encode-pzf.js'
import { dtypeOf, type PzfPixels } from './format.js'
import type { PzfWorkerRequest, PzfWorkerResponse } from './pzf-worker.js'
import { RingQueue } from '../internal/ring-queue.js'
import { canTransfer } from '../internal/transferable.js'
import { workerExecArgv, workerExecArgvFallback } from '../internal/worker-exec-argv.js'

const debug = debuglog('pyme')

/** Options of {@link PzfEncoderPool}. */
export interface PzfEncoderPoolOptions {
  /** Number of worker threads. @default max(1, os.availableParallelism() - 1) */
  readonly size?: number
  /** Tasks queued + running at which the pool reports `saturated`. @default size * 4 */
  readonly maxQueue?: number
}

/** Per-call options of {@link PzfEncoderPool.encode} and {@link PzfEncoderPool.runFilter}. */
export interface PzfPoolTaskOptions {
  /**
   * Hand the input's ArrayBuffer to the worker (no copy; the caller must not touch it
   * again). `false` copies the input once. Pooled Node Buffers are always copied, and
   * SharedArrayBuffer-backed input is shared (the caller must not modify it meanwhile).
   * @default false
   */
  readonly transfer?: boolean
}

/** What {@link PzfEncoderPool.encodeInto} resolves to: both lent buffers, back on this thread. */
export interface PzfEncodedInto {
  /** The PZF file: a view from offset 0 of the target, which came back from the worker. */
  readonly bytes: Uint8Array
  /** The input pixels, back from the worker when they were transferred; else `null`. */
  readonly data: PzfPixels | null
}

type Answer = Extract<PzfWorkerResponse, { ok: true }>

interface Task {
  readonly request: PzfWorkerRequest
  readonly transfer: ArrayBuffer[]
  readonly resolve: (answer: Answer) => void
  readonly reject: (err: Error) => void
}

interface Slot {
  readonly worker: Worker
  task: Task | null
  /** The worker has loaded and said so; an error or exit before that is a start failure. */
  started: boolean
}

// The worker runs from the same folder: `.ts` under the test/bench loader, `.js` in dist.
const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './pzf-worker.ts' : './pzf-worker.js', import.meta.url)

const POOL_OPTION_KEYS = { size: true, maxQueue: true } as const satisfies Record<keyof PzfEncoderPoolOptions, true>
const TASK_OPTION_KEYS = { transfer: true } as const satisfies Record<keyof PzfPoolTaskOptions, true>

function moduleHref (module: string | URL): string {
  if (module instanceof URL) return module.href
  if (typeof module !== 'string' || module === '') throw new InvalidArgumentError('invalid module: expected a file URL or path')
  // A scheme of two letters or more is a URL; anything else (including `C:\…`) is a path.
  if (/^[a-z][a-z0-9+.-]+:/i.test(module)) return module
  return pathToFileURL(resolvePath(module)).href
}

/** The option names of `execArgv`, without values (an `-e` program can be long). */
function optionNames (execArgv: readonly string[]): string {
  const names = execArgv.filter((a) => a.startsWith('-')).map((a) => a.split('=')[0] as string)
  return names.length === 0 ? 'none' : names.join(' ')
}

/** The validated options, not the caller's object (which may hold anything that does not clone). */
function normalise (data: PzfPixels, options: PzfEncodeOptions): PzfEncodeOptions {
  let plan
  try {
    plan = planPzfEncode(data, options)
  } catch (err) {
    throw new EncodeError(`cannot encode frame: ${(err as Error).message}`, { cause: err })
  }
  return {
    shape: [plan.width, plan.height, plan.depth],
    dimOrder: plan.dimOrder,
    compression: plan.compression,
    ...(plan.compression === 'huffman-chunks' ? { chunks: plan.chunks } : {}),
    quantization: plan.quantization === null ? null : { ...plan.quantization, pymeExact: plan.pymeExact },
    sequenceId: plan.sequenceId,
    timestamp: plan.timestamp,
    frameNum: plan.frameNum
  }
}

/**
 * A worker with the host's Node options, less those that stop a worker (`-e`, `--input-type`,
 * `--test`, …); if Node refuses that explicit list (it holds V8 or process options such as
 * `--expose-gc`, which apply to every thread anyway), only the loader options.
 */
function newWorker (): Worker {
  const execArgv = workerExecArgv(process.execArgv)
  if (execArgv === undefined) return new Worker(workerUrl)
  try {
    return new Worker(workerUrl, { execArgv })
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err
    return new Worker(workerUrl, { execArgv: workerExecArgvFallback(process.execArgv) })
  }
}

/** Encodes PZF frames and runs filters on a fixed set of worker threads. */
export class PzfEncoderPool {
  /** Number of worker threads the pool runs at most. */
  readonly size: number
  readonly #maxQueue: number
  readonly #queue = new RingQueue<Task>()
  readonly #slots = new Set<Slot>()
  readonly #idle: Slot[] = []
  #running = 0
  #nextId = 1
  #waiters: Array<{ resolve: () => void, reject: (err: Error) => void }> = []
  #closing: Promise<void> | null = null
  #closed: (() => void) | null = null
  #destroyed = false
  #startFailure: WorkerStartError | null = null

  constructor (options: PzfEncoderPoolOptions = {}) {
    checkOptionsObject(options, POOL_OPTION_KEYS)
    this.size = integerOption(options.size, 'size', { min: 1, max: 1024, default: Math.max(1, availableParallelism() - 1) })
    this.#maxQueue = integerOption(options.maxQueue, 'maxQueue', { min: 1, max: 1024, default: this.size * 4 })
  }

  /** Worker threads started and alive (0 until the first task). */
  get threads (): number {
    return this.#slots.size
  }

  /** Tasks queued plus running. */
  get pending (): number {
    return this.#queue.length + this.#running
  }

  /** True while `pending >= maxQueue`: producers should `await ready()`. */
  get saturated (): boolean {
    return this.pending >= this.#maxQueue
  }

  /** Resolves when the pool is not saturated; rejects once it is closed or destroyed. */
  ready (): Promise<void> {
    const refused = this.#refusal()
    if (refused !== null) return Promise.reject(refused)
    if (!this.saturated) return Promise.resolve()
    return new Promise((resolve, reject) => { this.#waiters.push({ resolve, reject }) })
  }

  /**
   * Encodes one frame on a worker; resolves to the whole `.pzf` file in a fresh buffer
   * transferred back (no copy). Output is byte-identical to `encodePzf`.
   * Rejects with EncodeError (bad options or data), WorkerError (the worker died),
   * ClosedError / DestroyedError.
   */
  async encode (data: PzfPixels, options: PzfEncodeOptions, opts?: PzfPoolTaskOptions): Promise<Uint8Array> {
    const refused = this.#refusal()
    if (refused !== null) throw refused
    const answer = await this.#submit({ id: this.#nextId++, op: 'encode', data, options: normalise(data, options) }, [data.buffer], opts)
    return answer.result
  }

  /**
   * Encodes one frame on a worker into `target`, which moves to the worker and back (no copy,
   * no allocation per frame: the caller reuses its buffers). Size it with `maxPzfLength`.
   * With `transfer`, the pixels move too and come back in the result, for reuse.
   * Rejects as {@link encode} does; the lent buffers are then lost (detached here).
   */
  async encodeInto (data: PzfPixels, options: PzfEncodeOptions, target: ArrayBuffer, opts?: PzfPoolTaskOptions): Promise<PzfEncodedInto> {
    const refused = this.#refusal()
    if (refused !== null) throw refused
    if (!canTransfer(target)) throw new InvalidArgumentError('invalid target: expected a transferable ArrayBuffer')
    const giveBack = opts?.transfer === true && canTransfer(data.buffer) && data.buffer !== target
    const request: PzfWorkerRequest = { id: this.#nextId++, op: 'encodeInto', data, options: normalise(data, options), target, giveBack }
    const answer = await this.#submit(request, giveBack ? [target, data.buffer] : [target], { transfer: true })
    return { bytes: answer.result, data: answer.data }
  }

  /**
   * Runs a user filter on a worker: `module` (file URL or path of an ES module) exports
   * `exportName`, a function `(data, arg) => Uint8Array | Promise<Uint8Array>` (a custom
   * format, another compression). The module is imported once per worker. It runs with
   * full privileges: pass only modules you trust.
   * Rejects with EncodeError (the filter threw or returned something else), WorkerError,
   * ClosedError / DestroyedError.
   */
  async runFilter (module: string | URL, exportName: string, data: Uint8Array | PzfPixels, arg?: unknown,
    opts?: PzfPoolTaskOptions): Promise<Uint8Array> {
    const refused = this.#refusal()
    if (refused !== null) throw refused
    const href = moduleHref(module)
    if (typeof exportName !== 'string' || exportName === '') throw new InvalidArgumentError('invalid exportName: expected a name')
    if (dtypeOf(data) === undefined) throw new InvalidArgumentError('invalid data: expected a Uint8Array, Uint16Array or Float32Array')
    const answer = await this.#submit({ id: this.#nextId++, op: 'filter', module: href, exportName, data, arg }, [data.buffer], opts)
    return answer.result
  }

  /** Finishes queued and running work, then ends the workers. Idempotent. */
  close (): Promise<void> {
    if (this.#destroyed) return Promise.reject(new DestroyedError('PZF encoder pool destroyed'))
    if (this.#closing !== null) return this.#closing
    this.#closing = new Promise((resolve) => { this.#closed = resolve })
    this.#releaseWaiters(new ClosedError('PZF encoder pool closed'))
    this.#maybeFinishClose()
    return this.#closing
  }

  /** Rejects every pending task with DestroyedError and terminates the workers now. Idempotent. */
  destroy (): void {
    if (this.#destroyed) return
    this.#destroyed = true
    const err = new DestroyedError('PZF encoder pool destroyed')
    for (let task = this.#queue.shift(); task !== undefined; task = this.#queue.shift()) task.reject(err)
    for (const slot of this.#slots) {
      if (slot.task !== null) slot.task.reject(err)
      slot.task = null
      void slot.worker.terminate()
    }
    this.#slots.clear()
    this.#idle.length = 0
    this.#running = 0
    this.#releaseWaiters(err)
    this.#closed?.()
  }

  #refusal (): Error | null {
    if (this.#destroyed) return new DestroyedError('PZF encoder pool destroyed')
    if (this.#closing !== null) return new ClosedError('PZF encoder pool closed')
    return this.#startFailure
  }

  /** Queues `request`; the `buffers` move with it when `opts.transfer` (those that can). */
  #submit (request: PzfWorkerRequest, buffers: ArrayBufferLike[], opts: PzfPoolTaskOptions | undefined): Promise<Answer> {
    checkOptionsObject(opts, TASK_OPTION_KEYS, 'task options')
    const transfer = opts?.transfer === true ? buffers.filter(canTransfer) : []
    return new Promise<Answer>((resolve, reject) => {
      this.#queue.push({ request, transfer, resolve, reject })
      this.#pump()
    })
  }

  /** Hands queued tasks to idle workers, starting workers up to `size`. */
  #pump (): void {
    while (this.#queue.length > 0) {
      let slot = this.#idle.pop()
      if (slot === undefined) {
        if (this.#slots.size >= this.size) return
        slot = this.#spawn()
        if (slot === undefined) return
      }
      const task = this.#queue.shift() as Task
      slot.task = task
      this.#running++
      slot.worker.ref()
      try {
        slot.worker.postMessage(task.request, task.transfer)
      } catch (err) {
        // Not cloneable (a filter `arg` holding a function, say): the worker is untouched.
        this.#settle(slot)
        task.reject(new EncodeError(`cannot send task to worker: ${(err as Error).message}`, { cause: err }))
      }
    }
  }

  /** Starts a worker, or records why workers cannot start here (then `undefined`). */
  #spawn (): Slot | undefined {
    let worker: Worker
    try {
      worker = newWorker()
    } catch (err) {
      this.#startFailed(err)
      return undefined
    }
    const slot: Slot = { worker, task: null, started: false }
    this.#slots.add(slot)
    worker.on('message', (res: PzfWorkerResponse | 'started') => {
      if (res === 'started') {
        slot.started = true
        return
      }
      const task = slot.task
      /* c8 ignore next -- a worker answers only the task it was given */
      if (task === null || task.request.id !== res.id) return
      this.#settle(slot)
      if (res.ok) task.resolve(res)
      else task.reject(new EncodeError(res.error.message, { cause: Object.assign(new Error(res.error.message), res.error) }))
    })
    worker.on('error', (err) => {
      debug('pzf worker %d failed: %s', worker.threadId, err.message)
      if (!slot.started) this.#startFailed(err, slot)
      else this.#fail(slot, new WorkerError(`PZF worker thread failed: ${err.message}`, { cause: err }))
    })
    worker.on('exit', (code) => {
      if (!slot.started) this.#startFailed(new Error(`it exited with code ${code} while loading`), slot)
      else this.#fail(slot, new WorkerError(`PZF worker thread exited with code ${code}`))
    })
    return slot
  }

  /**
   * A worker could not start: permanent for this process (its options or loaders), so the
   * reason is given once, to every waiting task, and every later task fails with it at once.
   */
  #startFailed (cause: unknown, slot?: Slot): void {
    if (this.#destroyed || (slot !== undefined && !this.#slots.has(slot))) return
    const reason = cause instanceof Error ? cause.message : String(cause)
    this.#startFailure ??= new WorkerStartError(
      `PZF worker threads cannot start in this process (Node options: ${optionNames(process.execArgv)}): ${reason}. ` +
      'Encode on the calling thread instead (a backend\'s pool: false), or start Node without the options that stop workers.',
      { cause })
    const err = this.#startFailure
    if (slot !== undefined) this.#fail(slot, err)
    for (let task = this.#queue.shift(); task !== undefined; task = this.#queue.shift()) task.reject(err)
    this.#releaseWaiters(err)
    this.#afterProgress()
  }

  /** The slot's task finished: the worker goes back to the idle set. */
  #settle (slot: Slot): void {
    slot.task = null
    this.#running--
    slot.worker.unref()
    this.#idle.push(slot)
    this.#pump()
    this.#afterProgress()
  }

  /** The worker died: fail its task only and forget it; the next task starts a new one. */
  #fail (slot: Slot, err: WorkerError): void {
    if (!this.#slots.delete(slot)) return
    const idle = this.#idle.indexOf(slot)
    if (idle >= 0) this.#idle.splice(idle, 1)
    const task = slot.task
    slot.task = null
    void slot.worker.terminate()
    if (task !== null) {
      this.#running--
      task.reject(err)
    }
    if (!this.#destroyed && this.#startFailure === null) this.#pump()
    this.#afterProgress()
  }

  #afterProgress (): void {
    if (!this.saturated && this.#waiters.length > 0) {
      const waiters = this.#waiters
      this.#waiters = []
      for (const w of waiters) w.resolve()
    }
    this.#maybeFinishClose()
  }

  #maybeFinishClose (): void {
    if (this.#closing === null || this.#destroyed || this.pending > 0) return
    const done = this.#closed
    this.#closed = null
    const exits = [...this.#slots].map(async (slot) => await slot.worker.terminate())
    this.#slots.clear()
    this.#idle.length = 0
    void Promise.all(exits).then(() => done?.())
  }

  #releaseWaiters (err: Error): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w.reject(err)
  }
}
