/**
 * `SeriesBackend`: the series logic every backend shares (see `backend.ts` for the contract),
 * on top of a `SeriesStore` that only writes named files.
 *
 * Per frame, `storeFrame` validates (index, duplicate, type, size), marks the index, and
 * starts `encode → store.write` in the background:
 *
 * ```
 *   storeFrame(n) ─► encode (worker pool, or inline) ─► store.write('frame%05d.pzf') ─► settle
 *        │                                                                              │
 *        └─ returns pending < window ◄──────── 'drain' when pending falls below ◄───────┘
 * ```
 *
 * The window bounds memory: `maxPendingBytes` the pixel copies (or the caller's transferred
 * buffers) waiting to be encoded, `maxPendingFrames` the frames not yet stored (their encoded
 * bytes are the store's: a ClusterBackend's Streamer bounds them by its `memoryBudget` and,
 * with `overflow: 'spill'`, its journal on disk). `finalize()`
 * waits for the window to empty, so events.json (the completion marker) is written only
 * after every frame has settled. A store with a time limit (the cluster store's
 * `closeTimeoutMs`) is told when `finalize()` begins, so that the wait, the frames and the last
 * files all end within that one deadline.
 */
import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import {
  ClosedError, DestroyedError, DuplicateFrameError, InvalidArgumentError, InvalidFrameError,
  PymeError, StoreFailedError, WorkerStartError
} from '../errors.js'
import type { PzfEncodeOptions } from '../pzf/encode-pzf.js'
import { PzfEncoderPool } from '../pzf/pzf-encoder-pool.js'
import { dtypeOf } from '../pzf/format.js'
import { FrameEncoder, type EncodedFrame, type PixelHandover } from '../streamer/frame-encoder.js'
import { allocateFramed } from '../pzf/framed-pixels.js'
import { EventLog } from '../internal/event-log.js'
import { MetaDataHandler } from '../series/metadata-handler.js'
import { absentRanges } from '../series/frame-ranges.js'
import { EVENTS_FILE, FINAL_METADATA_FILE, frameFileName, MAX_FRAME_INDEX, METADATA_FILE } from '../internal/series-layout.js'
import type { Backend, BackendReport, BackendState, BackendStats, FailedFile, FramePixels } from './backend.js'
import { storeError } from './store-error.js'
import { FrameIndexSet } from '../internal/frame-index-set.js'
import { resolveBackendOptions, type ResolvedBackendOptions, type SeriesBackendOptions } from './series-backend-options.js'
import type { SeriesStore } from './series-store.js'
import { ThroughputMeter } from './throughput-meter.js'
import { waiter, type Waiter } from './waiter.js'

const MAX_MISSING_LISTED = 1000
const textEncoder = new TextEncoder()

let packageVersion: string | undefined
function version (): string {
  packageVersion ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  return packageVersion
}

function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/** A backend over any `SeriesStore`; `MemoryBackend` and `FolderBackend` are this with their store. */
export class SeriesBackend extends EventEmitter implements Backend {
  readonly mdh: MetaDataHandler
  readonly sequenceId: number
  readonly #store: SeriesStore
  readonly #opts: ResolvedBackendOptions
  readonly #encodeBase: PzfEncodeOptions
  readonly #events = new EventLog()
  readonly #accepted = new FrameIndexSet()
  /** Frames stored: the others below the frame count go to final_metadata.json as never stored. */
  readonly #stored = new FrameIndexSet()
  readonly #meter = new ThroughputMeter()
  readonly #failed: FailedFile[] = []
  #state: BackendState = 'new'
  #pool: PzfEncoderPool | null = null
  /** Pixels → PZF bytes for stores without an encoder of their own (created on the first frame). */
  #encoder: FrameEncoder | null = null
  #initPromise: Promise<void> | null = null
  #finalizePromise: Promise<BackendReport> | null = null
  #closePromise: Promise<BackendReport> | null = null
  #ready: Waiter | null = null
  #idle: Waiter | null = null
  #pendingFrames = 0
  #pendingBytes = 0
  #needDrain = false
  #framesStored = 0
  #framesFailed = 0
  #files = 0
  #bytes = 0
  #complete = false
  #startedAt = 0
  #durationMs = 0
  /** Worker threads cannot start here: every further frame would fail the same way. */
  #workersFailed: WorkerStartError | null = null

  constructor (store: SeriesStore, options: SeriesBackendOptions) {
    super()
    const opts = resolveBackendOptions(options)
    this.#store = store
    this.#opts = opts
    this.sequenceId = opts.sequenceId
    this.mdh = options.metadata instanceof MetaDataHandler ? options.metadata : new MetaDataHandler(options.metadata)
    if (opts.pool !== true && opts.pool !== false) this.#pool = opts.pool
    this.#encodeBase = {
      shape: [opts.width, opts.height],
      dimOrder: 'F',
      compression: opts.compression,
      quantization: opts.quantization,
      sequenceId: opts.sequenceId
    }
    const [, , z, t, c] = opts.seriesShape
    this.mdh.setInt('imageID', opts.sequenceId)
    this.mdh.set('DimOrder', opts.dimOrder)
    this.mdh.setInt('SizeC', c).setInt('SizeT', t).setInt('SizeZ', z)
    this.mdh.set('pyme-cluster.DataType', opts.dtype)
    this.mdh.set('pyme-cluster.FrameShape', [opts.width, opts.height])
    this.mdh.set('pyme-cluster.Compression', opts.compression)
    if (opts.quantization !== null) {
      this.mdh.setFloat('pyme-cluster.QuantizationOffset', opts.quantization.offset)
      this.mdh.setFloat('pyme-cluster.QuantizationScale', opts.quantization.scale)
    }
  }

  get #saturated (): boolean {
    return this.#pendingFrames >= this.#opts.maxPendingFrames || this.#pendingBytes >= this.#opts.maxPendingBytes
  }

  #assertUsable (): void {
    if (this.#state === 'destroyed') throw new DestroyedError('backend was destroyed')
    if (this.#state === 'finalizing' || this.#state === 'finalized' || this.#state === 'closed') {
      throw new ClosedError('backend is finalized; the series takes no more frames or events')
    }
  }

  /** Writes metadata.json (creating the series); frames are accepted once this resolves. */
  initialize (): Promise<void> {
    try {
      this.#assertUsable()
    } catch (err) {
      return Promise.reject(err)
    }
    this.#initPromise ??= this.#initialize()
    return this.#initPromise
  }

  async #initialize (): Promise<void> {
    this.#state = 'initializing'
    this.#startedAt = performance.now()
    this.#meter.start(this.#startedAt)
    if (!this.mdh.has('StartTime')) this.mdh.setFloat('StartTime', Date.now() / 1000)
    this.mdh.set('pyme-cluster.Version', version())
    try {
      await this.#store.create()
      await this.#writeFile(METADATA_FILE, textEncoder.encode(this.mdh.stringify()))
      if (this.#opts.preallocateFrames > 0) await this.#preallocate()
    } catch (err) {
      if (this.#state === 'initializing') {
        this.#state = 'new'
        this.#initPromise = null // a caller may fix the cause and try again
      }
      throw err
    }
    if (this.#state === 'initializing') this.#state = 'open'
  }

  /** The memory raw frames are copied into, one buffer per frame of the window (option `preallocate`). */
  async #preallocate (): Promise<void> {
    const count = this.#opts.preallocateFrames
    const store = this.#store
    if (store.writeFrame !== undefined) await store.preallocate?.(this.#opts.frameBytes, count)
    else await this.#frameEncoder().preallocateRaw(this.#opts.frameBytes, count, () => this.#state !== 'initializing')
    this.#assertUsable() // destroyed meanwhile
  }

  async #writeFile (name: string, data: Uint8Array): Promise<void> {
    await this.#store.write(name, data)
    this.#files++
    this.#bytes += data.byteLength
    this.emit('stored', name, data.byteLength)
  }

  allocateFrame (): FramePixels {
    return allocateFramed(this.#opts.pixels, this.#opts.dtype)
  }

  storeFrame (n: number, frame: FramePixels, release?: (frame: FramePixels) => void): boolean {
    this.#assertUsable()
    if (release !== undefined && typeof release !== 'function') throw new InvalidArgumentError('invalid release: expected a function')
    if (this.#state !== 'open') throw new InvalidArgumentError('storeFrame() called before initialize() resolved')
    if (this.#workersFailed !== null) throw this.#workersFailed
    const opts = this.#opts
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_FRAME_INDEX) {
      throw new InvalidFrameError(`invalid frame index ${String(n)}: expected an integer 0..${MAX_FRAME_INDEX}`)
    }
    if (n >= opts.declaredFrames) {
      throw new InvalidFrameError(`frame index ${n} is out of range: the series declares ${opts.declaredFrames} frames (seriesShape Z*T*C)`)
    }
    const dtype = dtypeOf(frame)
    if (dtype !== opts.dtype) {
      const got = typeof frame === 'object' && frame !== null ? (frame as object).constructor.name : typeof frame
      throw new InvalidFrameError(`frame ${n}: expected a ${opts.dtype} typed array, got ${got}`)
    }
    if (frame.length !== opts.pixels) {
      throw new InvalidFrameError(`frame ${n}: expected ${opts.pixels} pixels (${opts.width} x ${opts.height}), got ${frame.length}`)
    }
    if (!this.#accepted.add(n)) throw new DuplicateFrameError(`frame ${n} was already given to this series`)
    this.#pendingFrames++
    const name = frameFileName(n)
    const encodeOptions: PzfEncodeOptions = { ...this.#encodeBase, frameNum: n }
    const store = this.#store
    const handover: PixelHandover = release ?? (opts.transfer ? 'transfer' : 'copy')
    if (store.writeFrame !== undefined) {
      // The store's own encoder takes the pixels now, within its memory budget.
      store.writeFrame(name, frame, n, encodeOptions, handover)
        .then((size) => { this.#settle(n, name, size, null) }, (err: unknown) => { this.#settle(n, name, 0, asError(err)) })
    } else {
      this.#encodeAndWrite(name, n, frame, encodeOptions, handover)
    }
    if (this.#saturated) this.#needDrain = true
    return !this.#needDrain
  }

  #frameEncoder (): FrameEncoder {
    if (this.#encoder === null) {
      const pool = this.#opts.pool === false ? null : (this.#pool ??= new PzfEncoderPool())
      // Reused buffers: at most one per frame of the window (with room for a PZF header and tree).
      this.#encoder = new FrameEncoder({ pool, reuse: !this.#store.retains, retainBytes: this.#opts.maxPendingFrames * (this.#opts.frameBytes + 1024) })
    }
    return this.#encoder
  }

  /**
   * Encodes (on this thread for raw frames or without workers, else on the pool) and writes.
   * Pixel bytes count against maxPendingBytes only until encoded (the staged copy is then
   * reused; the encoded bytes are the store's until the write settles).
   */
  #encodeAndWrite (name: string, n: number, frame: FramePixels, options: PzfEncodeOptions, handover: PixelHandover): void {
    const encoder = this.#frameEncoder()
    let encoded: Promise<EncodedFrame>
    if (encoder.inline(options)) {
      try {
        encoded = Promise.resolve(encoder.encodeNow(frame, options, handover))
      /* c8 ignore next 3 -- frame and options are validated first; kept so a codec refusal fails this frame, not the caller */
      } catch (err) {
        encoded = Promise.reject(err)
      }
    } else {
      const held = frame.byteLength
      this.#pendingBytes += held
      encoded = encoder.encode(encoder.stage(frame, handover), options).finally(() => {
        this.#pendingBytes -= held
        this.#checkDrain()
      })
    }
    encoded.then(async (bytes) => {
      try {
        await this.#store.write(name, bytes.body, n)
      } finally {
        bytes.release?.()
      }
      return bytes.body.byteLength
    }).then((size) => { this.#settle(n, name, size, null) }, (err: unknown) => { this.#settle(n, name, 0, asError(err)) })
  }

  #settle (n: number, name: string, size: number, err: Error | null): void {
    this.#pendingFrames--
    if (this.#state === 'destroyed') return
    if (err === null) {
      this.#framesStored++
      this.#stored.add(n)
      this.#files++
      this.#bytes += size
      this.#meter.sample(performance.now(), this.#framesStored, this.#framesStored * this.#opts.frameBytes, this.#bytes)
      this.emit('stored', name, size)
    } else {
      const error = err instanceof PymeError ? err : new StoreFailedError(`${name} could not be stored: ${err.message}`, [name], undefined, { cause: err })
      if (err instanceof WorkerStartError) this.#workersFailed ??= err
      this.#framesFailed++
      this.#failed.push({ name, error })
      this.emit('failed', name, error)
    }
    this.#checkDrain()
    if (this.#pendingFrames === 0 && this.#idle !== null) {
      this.#idle.resolve()
      this.#idle = null
    }
  }

  #checkDrain (): void {
    if (!this.#needDrain || this.#saturated || this.#state === 'destroyed') return
    this.#needDrain = false
    const ready = this.#ready
    this.#ready = null
    ready?.resolve()
    this.emit('drain')
  }

  ready (): Promise<void> {
    if (this.#state === 'destroyed') return Promise.reject(new DestroyedError('backend was destroyed'))
    if (!this.#needDrain) return Promise.resolve()
    this.#ready ??= waiter()
    return this.#ready.promise
  }

  logEvent (name: string, description = '', time?: number): void {
    this.#assertUsable()
    // PYMEAcquire's rule: a StartAq event without a description records the frame count.
    const descr = name === 'StartAq' && description === '' ? String(this.#accepted.count) : description
    this.#events.log(name, descr, time)
  }

  /** Events logged so far. */
  get events (): EventLog { return this.#events }

  finalize (): Promise<BackendReport> {
    if (this.#state === 'destroyed') return Promise.reject(new DestroyedError('backend was destroyed'))
    if (this.#finalizePromise !== null) return this.#finalizePromise
    if (this.#state === 'closed') return Promise.reject(new ClosedError('backend is closed'))
    if (this.#initPromise === null) return Promise.reject(new InvalidArgumentError('finalize() called before initialize()'))
    // The one deadline starts now: waiting for frames below, the frames, the last files.
    this.#store.beginClose?.()
    this.#finalizePromise = this.#finalize(this.#initPromise)
    return this.#finalizePromise
  }

  async #finalize (init: Promise<void>): Promise<BackendReport> {
    await init
    if (this.#state === 'destroyed') throw new DestroyedError('backend was destroyed')
    this.#state = 'finalizing'
    if (this.#pendingFrames > 0) {
      this.#idle ??= waiter()
      await this.#idle.promise
    }
    const accepted = this.#accepted
    if (!this.mdh.has('EndTime')) this.mdh.setFloat('EndTime', Date.now() / 1000)
    this.mdh.setInt('pyme-cluster.FrameCount', accepted.max + 1)
    this.mdh.setInt('pyme-cluster.FramesStored', this.#framesStored)
    // Which frames are absent for good (never given, or failed): readers tell them apart from
    // frames on a server that does not answer.
    this.mdh.set('pyme-cluster.FramesNotStored', absentRanges((n) => this.#stored.has(n), accepted.max + 1).map((r) => [...r]))
    await this.#writeLast(FINAL_METADATA_FILE, textEncoder.encode(this.mdh.stringify()))
    this.#complete = await this.#writeLast(EVENTS_FILE, textEncoder.encode(this.#events.stringify()))
    this.#durationMs = performance.now() - this.#startedAt
    if (this.#state === 'finalizing') this.#state = 'finalized'
    const report = this.#report()
    if (report.failed.length > 0) throw storeError(report)
    return report
  }

  async #writeLast (name: string, data: Uint8Array): Promise<boolean> {
    if (this.#state === 'destroyed') throw new DestroyedError('backend was destroyed')
    try {
      await this.#writeFile(name, data)
      return true
    } catch (err) {
      const error = asError(err)
      this.#failed.push({ name, error })
      this.emit('failed', name, error)
      return false
    }
  }

  #report (): BackendReport {
    const accepted = this.#accepted
    return {
      url: this.getURL(),
      sequenceId: this.sequenceId,
      complete: this.#complete,
      frames: this.#framesStored,
      frameCount: accepted.max + 1,
      missing: accepted.missing(MAX_MISSING_LISTED),
      missingCount: accepted.gaps,
      failed: this.#failed.slice(),
      files: this.#files,
      bytes: this.#bytes,
      durationMs: this.#durationMs
    }
  }

  getURL (): string {
    return this.#store.url
  }

  stats (): BackendStats {
    const now = performance.now()
    const frames = this.#framesStored
    const raw = frames * this.#opts.frameBytes
    return {
      rate: this.#meter.recent(now, frames, raw, this.#bytes),
      averageRate: this.#meter.average(now, frames, raw, this.#bytes),
      state: this.#state,
      framesAccepted: this.#accepted.count,
      framesStored: this.#framesStored,
      framesFailed: this.#framesFailed,
      pendingFrames: this.#pendingFrames,
      pendingBytes: this.#pendingBytes,
      needDrain: this.#needDrain,
      filesStored: this.#files,
      bytesStored: this.#bytes,
      events: this.#events.length,
      eventsTruncated: this.#events.truncated
    }
  }

  close (): Promise<BackendReport> {
    if (this.#state === 'destroyed') return Promise.reject(new DestroyedError('backend was destroyed'))
    this.#closePromise ??= this.#close()
    return this.#closePromise
  }

  async #close (): Promise<BackendReport> {
    try {
      return this.#initPromise === null ? this.#report() : await this.finalize()
    } finally {
      if (this.#state !== 'destroyed') {
        this.#state = 'closed'
        await this.#store.close()
        if (this.#opts.pool === true) await this.#pool?.close()
      }
    }
  }

  destroy (err?: Error): void {
    if (this.#state === 'destroyed' || this.#state === 'closed') return
    this.#state = 'destroyed'
    const error = new DestroyedError('backend was destroyed', err === undefined ? undefined : { cause: err })
    this.#ready?.reject(error)
    this.#idle?.reject(error)
    this.#ready = null
    this.#idle = null
    this.#store.destroy(err)
    if (this.#opts.pool === true) this.#pool?.destroy()
  }
}
