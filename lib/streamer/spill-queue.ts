/**
 * The `'spill'` overflow policy: files that do not fit in memory go to a `SpillJournal` and come
 * back, in put order, as memory is released. Once anything is spilled, later files follow it
 * into the journal until it is replayed, so the order of files is kept. The journal file is
 * removed once every spilled file is settled; after an abort it stays for recovery.
 */
import { RingQueue } from '../internal/ring-queue.js'
import { SpillJournal, type SpillDtype, type SpillRecord } from './spill-journal.js'
import type { PutRecord } from './put-arguments.js'
import type { FramePixels, ItemWaiter } from './stream-item.js'

/** What the streamer keeps in memory of a spilled file: enough to report it without reading the journal. */
export interface SpilledFile {
  readonly seq: number
  readonly path: string
  readonly waiter: ItemWaiter | null
}

/** The journal and the bookkeeping of the spilled files. */
export class SpillQueue {
  readonly #dir: string
  readonly #limit: number
  #journal: SpillJournal | null = null
  readonly #meta = new RingQueue<SpilledFile>(64)
  /** Spilled files not yet settled (in the journal or replayed and in flight). */
  #outstanding = 0

  constructor (dir: string, limit: number) {
    this.#dir = dir
    this.#limit = limit
  }

  /** Files in the journal not yet replayed (later puts must queue behind them). */
  get pending (): number { return this.#meta.length }

  /** Size of the current journal file in bytes (0 when there is none). */
  get bytes (): number { return this.#journal?.size ?? 0 }

  /** Path of the current journal file, or `null`. */
  get path (): string | null { return this.#journal?.path ?? null }

  /** Whether a record of about `size` bytes may still be appended under `spillLimit`. */
  canTake (size: number): boolean {
    return this.bytes + size <= this.#limit
  }

  /** Appends a file; returns the bytes written. Throws `JournalError` (the file is then not taken). */
  append (record: SpillRecord, waiter: ItemWaiter | null): number {
    this.#journal ??= new SpillJournal(this.#dir)
    const bytes = this.#journal.append(record)
    this.#meta.push({ seq: record.seq, path: record.path, waiter })
    this.#outstanding++
    return bytes
  }

  /** Payload size of the next file to replay, or -1 when none. */
  nextSize (): number {
    return this.#meta.length === 0 || this.#journal === null ? -1 : this.#journal.nextSize()
  }

  /** The next file to replay; throws `JournalError` if the journal is damaged at that point. */
  next (): { readonly record: SpillRecord, readonly waiter: ItemWaiter | null } | null {
    if (this.#meta.length === 0 || this.#journal === null) return null
    const record = this.#journal.readNext()
    if (record === null) return null
    const meta = this.#meta.shift() as SpilledFile
    return { record, waiter: meta.waiter }
  }

  /** A spilled file settled (stored or failed); the journal goes once all have. */
  settledOne (): void {
    this.#outstanding--
    if (this.#outstanding === 0 && this.#meta.length === 0 && this.#journal !== null) {
      this.#journal.remove()
      this.#journal = null
    }
  }

  /**
   * Abort: returns the files never replayed (they are reported failed) and closes the journal,
   * keeping the file when it still holds any. Returns the kept path, if any, as `journal`.
   */
  abort (): { readonly files: SpilledFile[], readonly journal: string | null } {
    const files: SpilledFile[] = []
    this.#meta.drain((m) => files.push(m))
    this.#outstanding -= files.length
    const j = this.#journal
    this.#journal = null
    if (j === null) return { files, journal: null }
    if (files.length === 0) {
      j.remove()
      return { files, journal: null }
    }
    j.close()
    return { files, journal: j.path }
  }
}

/** The element type name of a pixel array. */
function dtypeOf (a: FramePixels): SpillDtype {
  return a instanceof Uint16Array ? 'uint16' : a instanceof Float32Array ? 'float32' : 'uint8'
}

/** The journal record of a put: its bytes, or its pixels with what their encoding needs. */
export function spillRecord (seq: number, put: PutRecord): SpillRecord {
  const { path, index, body, encode, arg } = put
  if (body !== null) return { seq, path, index, kind: 'bytes', data: body }
  const px = put.pixels as FramePixels
  return {
    seq,
    path,
    index,
    kind: 'frame',
    data: new Uint8Array(px.buffer, px.byteOffset, px.byteLength),
    dtype: dtypeOf(px),
    ...(encode === null ? {} : { encode }),
    ...(arg === undefined ? {} : { arg })
  }
}

/** The pixels of a replayed frame record, in one copy: an aligned buffer of their own for the typed view and the transfer to a worker. */
export function spilledPixels (r: SpillRecord): FramePixels {
  const own = new Uint8Array(r.data)
  return r.dtype === 'uint16'
    ? new Uint16Array(own.buffer)
    : r.dtype === 'float32' ? new Float32Array(own.buffer) : own
}
