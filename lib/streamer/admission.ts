/**
 * The Streamer's way in: a checked put (`PutRecord`) becomes a `StreamItem` in memory, a record
 * in the spill journal, or a drop, as the overflow policy says, and takes its place in put order
 * then (barriers count on it).
 *
 * ```
 *  put / putFrame ─► record (bytes; a raw frame framed now; other pixels staged) ─► accept
 *     accept ─┬─ memory: charged to the budget, routed (frames start encoding) ──► NodePusher
 *             ├─ spill: appended to the journal, memory given back; replay() brings it back
 *             └─ drop: counted, 'drop'
 *  putAsync / putFrameAsync wait in the budget's FIFO for room first (whenRoom)
 *  putAfterAll: routed once every file admitted before it is settled (BarrierSet)
 *  putCopies: a copy pinned to each node (CopySet), at once or as barriers
 * ```
 */
import { InvalidArgumentError, StoreFailedError, type JournalError } from '../errors.js'
import type { CopySet } from './copy-set.js'
import { encodeClusterPath } from '../internal/cluster-path.js'
import { dropChannel } from './diagnostics.js'
import type { EncodeStage } from './encode-stage.js'
import type { PixelHandover } from './frame-encoder.js'
import { DROP, SPILL } from './overflow-gate.js'
import { bytesRecord, checkIndex, filePath, isPixels, toBuffer, type FrameHint, type PutRecord } from './put-arguments.js'
import type { Settler, SettlerParts } from './settler.js'
import { spilledPixels, spillRecord } from './spill-queue.js'
import { ItemState, StreamItem, type Ack, type FramePixels, type ItemWaiter } from './stream-item.js'
import type { StreamerEvents } from './streamer-events.js'

/** What admission needs from the Streamer around it. */
export interface AdmissionHost {
  emit<E extends keyof StreamerEvents> (event: E, ...args: StreamerEvents[E]): boolean
  /** Throws ClosedError / DestroyedError unless the stream takes new files. */
  checkOpen (): void
  readonly destroyed: boolean
}

/** The parts files are admitted into (owned by the Streamer): the Settler's, and the Settler. */
export interface AdmissionParts extends SettlerParts {
  readonly settler: Settler
}

/** Admits the files of one Streamer; see the file comment. */
export class Admission {
  readonly #host: AdmissionHost
  readonly #p: AdmissionParts
  /** Put order of the next admitted file. */
  #seq = 0

  constructor (host: AdmissionHost, parts: AdmissionParts) {
    this.#host = host
    this.#p = parts
  }

  /**
   * Checks a put of pixels and takes them: a raw PZF frame is framed now (a header and one copy
   * into reused memory, or none for framed pixels given up or lent); anything else is staged
   * (one copy, or the caller's transferred buffer) for the worker pool. Lent pixels are given
   * back whatever happens, also when this throws.
   */
  frameRecord (path: string, pixels: FramePixels, frame: FrameHint | undefined): PutRecord {
    const lend = frame?.release
    if (lend !== undefined && typeof lend !== 'function') throw new InvalidArgumentError('invalid release: expected a function')
    const handover: PixelHandover = lend ?? (frame?.transfer === true ? 'transfer' : 'copy')
    let taken = false
    try {
      this.#host.checkOpen()
      const p = filePath(path)
      const encoder = this.#p.encoder
      if (encoder === null) throw new InvalidArgumentError('putFrame needs the filter option (use put for bytes)')
      if (!isPixels(pixels)) throw new InvalidArgumentError('invalid pixels: expected a Uint8Array, Uint16Array or Float32Array')
      const index = checkIndex(frame?.index)
      if (frame?.encode !== undefined && (typeof frame.encode !== 'object' || frame.encode === null)) throw new InvalidArgumentError('invalid encode: expected PZF options')
      const encode = encoder.pzfOptions(frame?.encode ?? null, index)
      if (encode !== null && encode.shape === undefined) throw new InvalidArgumentError('invalid encode: no shape in filter.pzf or the frame options')
      // From here on the encoder owns the hand-over (it gives lent pixels back, also on failure).
      taken = true
      const now = encoder.now(pixels, encode, handover)
      if (now !== null) return bytesRecord(p, index, now.body, now.release)
      const staged = encoder.stage(pixels, handover)
      return { path: p, index, body: null, release: () => { encoder.discard(staged) }, pixels: staged, encode, arg: frame?.arg, size: staged.byteLength }
    } catch (err) {
      if (!taken && lend !== undefined) queueMicrotask(() => { lend(pixels) })
      throw err
    }
  }

  /**
   * The async puts: waits in the budget's FIFO until the file fits, if it must, then `accept`s
   * synchronously. The room stays reserved from the wake-up to the admission, so nobody can
   * take it meanwhile; without a wait the admission happens in the caller's call, so its next
   * put sees these bytes. Returns the acknowledgement's promise, never awaits it: a suspended
   * frame would keep the data alive until the answer, and a file spilled to the journal must
   * not stay in memory (the budget would be a fiction).
   */
  async whenRoom (put: PutRecord): Promise<Ack> {
    const bytes = put.size
    const p = this.#p
    const waited = p.gate.mustWait(bytes)
    if (waited) {
      try {
        await p.budget.waitFor(bytes)
      } catch (err) {
        put.release?.()
        throw err
      }
    }
    return new Promise<Ack>((resolve, reject) => {
      try {
        this.#host.checkOpen()
      } catch (err) {
        if (waited) p.budget.unreserve(bytes)
        put.release?.()
        throw err
      }
      if (waited) p.budget.claim(bytes)
      this.accept(put, { resolve, reject })
    })
  }

  /** Admits `put` where the overflow policy says; returns the backpressure answer of `put()`. */
  accept (put: PutRecord, waiter: ItemWaiter | null): boolean {
    const p = this.#p
    const size = put.size
    const where = p.gate.place(size)
    const seq = this.#seq++
    if (where === DROP) {
      put.release?.()
      p.counters.dropped++
      if (dropChannel.hasSubscribers) dropChannel.publish({ path: put.path, bytes: size, reason: 'memory budget full' })
      this.#host.emit('drop', { path: put.path, bytes: size })
      waiter?.reject(new StoreFailedError(`${put.path} dropped: memory budget full (overflow: 'drop')`, [put.path]))
      return false
    }
    if (where === SPILL) {
      let bytes: number
      try {
        bytes = p.spill.append(spillRecord(seq, put), waiter)
      } finally {
        // Written to the journal (synchronously) or refused: the memory is free either way.
        put.release?.()
      }
      p.settler.admitted()
      p.counters.spilled++
      this.#host.emit('spill', { path: put.path, bytes })
      this.replay()
      return p.gate.roomAfterSpill(size)
    }
    p.settler.admitted()
    this.#admit(seq, put, waiter, false)
    return p.gate.roomAfterMemory(size)
  }

  /** `putAfterAll`: the barrier file is routed once every file admitted before it is settled. */
  barrier (path: string, body: Buffer, sendAnyway: boolean, waiter: ItemWaiter): void {
    const earlier = this.#p.settler.outstanding
    const item = this.#bytesItem(this.#seq++, path, body, true, sendAnyway)
    item.waiter = waiter
    this.#launch(item, earlier)
  }

  /**
   * `putCopies`: a copy of `body` pinned to each of `nodes` (`-1`: one copy routed as any file),
   * sharing one place in put order; with `afterAll` each is a barrier. `set` hears their outcome.
   */
  copies (set: CopySet, body: Buffer, nodes: readonly number[], urls: readonly string[], afterAll: boolean, sendAnyway: boolean): void {
    const seq = this.#seq++
    const earlier = this.#p.settler.outstanding
    nodes.forEach((node, i) => {
      const item = this.#bytesItem(seq, set.path, body, afterAll, sendAnyway)
      item.pinned = node
      set.add(item, urls[i] ?? '')
    })
    // Routed once all are known: a copy skipped for its node looks at its siblings.
    for (const item of set.items) this.#launch(item, afterAll ? earlier : 0)
  }

  /** An admitted item of ready bytes outside the overflow policy (barriers, copies). */
  #bytesItem (seq: number, path: string, body: Buffer, barrier: boolean, sendAnyway: boolean): StreamItem {
    const p = this.#p
    const item = new StreamItem(seq, path, '/' + encodeClusterPath(path), -1, false, barrier)
    item.body = body
    item.charged = body.byteLength
    item.sendAnyway = sendAnyway
    p.budget.charge(item.charged)
    p.settler.admitted()
    return item
  }

  /** Routes `item` now, or holds it until the `earlier` files admitted before it have settled. */
  #launch (item: StreamItem, earlier: number): void {
    if (earlier === 0) {
      this.#p.router.route(item)
    } else {
      item.state = ItemState.WAITING
      this.#p.barriers.add(item, earlier)
    }
  }

  #admit (seq: number, put: PutRecord, waiter: ItemWaiter | null, spilled: boolean): void {
    const p = this.#p
    const item = new StreamItem(seq, put.path, '/' + encodeClusterPath(put.path), put.index, put.pixels !== null, false)
    item.waiter = waiter
    item.spilled = spilled
    item.charged = put.size
    p.budget.charge(item.charged)
    if (put.body !== null) {
      item.body = put.body
      item.release = put.release
      p.router.route(item)
      return
    }
    // Staged pixels: the encoder gives their buffer back once encoded; the Settler if never encoded.
    item.pixels = put.pixels
    item.encode = put.encode
    item.filterArg = put.arg
    item.state = ItemState.ENCODING
    // Route first: the frame keeps its place in its node's queue while it is encoded.
    p.router.route(item)
    if (item.state !== ItemState.ENCODING) return
    p.counters.encoding++
    ;(p.encoder as EncodeStage).run(item)
  }

  /** Moves spilled files back into memory, in order, while they fit. */
  replay (): void {
    if (this.#host.destroyed) return
    const { spill, budget } = this.#p
    for (;;) {
      const size = spill.nextSize()
      if (size < 0 || !budget.fits(size)) return
      let next
      try {
        next = spill.next()
      } catch (err) {
        this.#failSpilled(err as JournalError)
        return
      }
      if (next === null) return
      const r = next.record
      const put: PutRecord = r.kind === 'bytes'
        ? bytesRecord(r.path, r.index, toBuffer(r.data), null)
        : { path: r.path, index: r.index, body: null, release: null, pixels: spilledPixels(r), encode: r.encode ?? null, arg: r.arg, size: r.data.byteLength }
      this.#admit(r.seq, put, next.waiter, true)
    }
  }

  /** The journal is damaged: every file still in it fails. */
  #failSpilled (err: JournalError): void {
    const { files, journal } = this.#p.spill.abort()
    const settler = this.#p.settler
    settler.journalKept = journal
    for (const f of files) settler.failUnreplayed(f, err)
  }
}
