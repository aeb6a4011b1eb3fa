/**
 * The spill journal: files the streamer could not hold in memory, appended to a local file and
 * replayed in order when capacity returns. Format: docs/spill-journal.md.
 *
 * ```
 *  header  "PYMESPIL" | u32 version=1 | u32 reserved=0                 (16 bytes, little-endian)
 *  record  u32 payloadLength | u32 crc32(payload) | payload (msgpack)   (repeated)
 * ```
 *
 * A record is valid only when its whole payload is present and its CRC-32 matches, so a tail
 * torn by a crash or a full disk is detected and never replayed as data. All I/O is synchronous:
 * spilling happens exactly when memory is full, so the bytes must be on disk before `put`
 * returns (holding them until an asynchronous write completes would defeat the budget).
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync, writevSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { decode, encode } from '@msgpack/msgpack'
import { JournalError } from '../errors.js'
import type { PzfEncodeOptions } from '../pzf/index.js'

/** The 8 magic bytes that open every journal. */
export const SPILL_MAGIC = 'PYMESPIL'
/** Format version written in the header. */
export const SPILL_VERSION = 1
const HEADER_BYTES = 16
const RECORD_HEADER_BYTES = 8
/** Largest payload a record may declare; anything larger is treated as corruption. */
const MAX_PAYLOAD = 0x7fffffff

/** Element type of a spilled frame's pixels. */
export type SpillDtype = 'uint8' | 'uint16' | 'float32'

/** One spilled file. */
export interface SpillRecord {
  /** The streamer's put order. */
  readonly seq: number
  /** Normalised cluster path. */
  readonly path: string
  /** Frame index, -1 when none. */
  readonly index: number
  /** `'bytes'`: `data` is sent as is; `'frame'`: `data` holds pixels for the encode hook. */
  readonly kind: 'bytes' | 'frame'
  readonly data: Uint8Array
  /** Pixel type of a frame (absent for bytes). */
  readonly dtype?: SpillDtype
  /** Per-frame encode options of a frame. */
  readonly encode?: Partial<PzfEncodeOptions>
  /** Argument for a user filter. */
  readonly arg?: unknown
}

interface WireRecord {
  v: number
  s: number
  p: string
  i: number
  k: 0 | 1
  d: Uint8Array
  t?: SpillDtype
  e?: Partial<PzfEncodeOptions>
  a?: unknown
}

type ReadResult = { record: SpillRecord, next: number } | { torn: string }

function readFully (fd: number, buf: Buffer, position: number): number {
  let got = 0
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, position + got)
    if (n === 0) break
    got += n
  }
  return got
}

function checkHeader (fd: number, file: string): void {
  const h = Buffer.alloc(HEADER_BYTES)
  const n = readFully(fd, h, 0)
  if (n < HEADER_BYTES || h.toString('latin1', 0, 8) !== SPILL_MAGIC) {
    throw new JournalError(`${file} is not a spill journal (bad magic)`)
  }
  const version = h.readUInt32LE(8)
  if (version !== SPILL_VERSION) throw new JournalError(`${file}: unsupported spill journal version ${version}`)
}

function toRecord (w: WireRecord): SpillRecord {
  const base = { seq: w.s, path: w.p, index: w.i, data: w.d }
  if (w.k === 0) return { ...base, kind: 'bytes' }
  return {
    ...base,
    kind: 'frame',
    ...(w.t === undefined ? {} : { dtype: w.t }),
    ...(w.e === undefined || w.e === null ? {} : { encode: w.e }),
    ...(w.a === undefined || w.a === null ? {} : { arg: w.a })
  }
}

function isWireRecord (x: unknown): x is WireRecord {
  if (typeof x !== 'object' || x === null) return false
  const r = x as Record<string, unknown>
  return r.v === SPILL_VERSION && typeof r.s === 'number' && typeof r.p === 'string' &&
    typeof r.i === 'number' && (r.k === 0 || r.k === 1) && r.d instanceof Uint8Array
}

function readRecordAt (fd: number, offset: number, end: number): ReadResult | null {
  if (offset >= end) return null
  if (end - offset < RECORD_HEADER_BYTES) return { torn: `record header cut at byte ${offset}` }
  const head = Buffer.allocUnsafe(RECORD_HEADER_BYTES)
  readFully(fd, head, offset)
  const length = head.readUInt32LE(0)
  const crc = head.readUInt32LE(4)
  if (length === 0 || length > MAX_PAYLOAD) return { torn: `bad record length ${length} at byte ${offset}` }
  if (end - offset - RECORD_HEADER_BYTES < length) return { torn: `record payload cut at byte ${offset}` }
  const payload = Buffer.allocUnsafe(length)
  readFully(fd, payload, offset + RECORD_HEADER_BYTES)
  if (crc32(payload) !== crc) return { torn: `CRC mismatch in the record at byte ${offset}` }
  let value: unknown
  try {
    value = decode(payload)
  } catch (err) {
    return { torn: `undecodable record at byte ${offset}: ${(err as Error).message}` }
  }
  if (!isWireRecord(value)) return { torn: `malformed record at byte ${offset}` }
  return { record: toRecord(value), next: offset + RECORD_HEADER_BYTES + length }
}

/**
 * Reads a journal left behind (for example by a process that crashed): yields every valid record
 * in order; after the last one, `torn` tells whether the file ended in a damaged record.
 */
export class SpillJournalReader {
  readonly path: string
  #fd: number
  #offset = HEADER_BYTES
  #torn: string | null = null

  constructor (file: string) {
    this.path = file
    try {
      this.#fd = openSync(file, 'r')
    } catch (err) {
      throw new JournalError(`cannot open spill journal ${file}`, { cause: err })
    }
    try {
      checkHeader(this.#fd, file)
    } catch (err) {
      closeSync(this.#fd)
      throw err
    }
  }

  /** The next valid record, or `null` at the end (clean or torn). */
  next (): SpillRecord | null {
    if (this.#torn !== null) return null
    const r = readRecordAt(this.#fd, this.#offset, fstatSync(this.#fd).size)
    if (r === null) return null
    if ('torn' in r) {
      this.#torn = r.torn
      return null
    }
    this.#offset = r.next
    return r.record
  }

  /** Why the file ended early, or `null` if every byte belonged to a valid record (so far). */
  get torn (): string | null { return this.#torn }

  /** Bytes of the file covered by the header and the valid records read so far. */
  get validBytes (): number { return this.#offset }

  close (): void {
    closeSync(this.#fd)
  }
}

/** A journal being written and replayed by one streamer. */
export class SpillJournal {
  readonly path: string
  #fd: number
  #end = HEADER_BYTES
  #readOffset = HEADER_BYTES
  #appended = 0
  #read = 0

  /** Creates a new journal file in `dir` (exclusive, mode 0600). */
  constructor (dir: string) {
    this.path = join(dir, `pyme-spill-${process.pid}-${randomBytes(6).toString('hex')}.journal`)
    try {
      this.#fd = openSync(this.path, 'wx+', 0o600)
      const h = Buffer.alloc(HEADER_BYTES)
      h.write(SPILL_MAGIC, 0, 'latin1')
      h.writeUInt32LE(SPILL_VERSION, 8)
      writeSync(this.#fd, h, 0, HEADER_BYTES, 0)
    } catch (err) {
      throw new JournalError(`cannot create spill journal in ${dir}`, { cause: err })
    }
  }

  /** File size in bytes (header plus records). */
  get size (): number { return this.#end }

  /** Records appended and not yet read back. */
  get pending (): number { return this.#appended - this.#read }

  /**
   * Appends one record; returns its size on disk. On a failed or partial write (disk full) the
   * file is cut back to the last whole record and a `JournalError` is thrown.
   */
  append (record: SpillRecord): number {
    const wire: WireRecord = {
      v: SPILL_VERSION,
      s: record.seq,
      p: record.path,
      i: record.index,
      k: record.kind === 'bytes' ? 0 : 1,
      d: record.data
    }
    if (record.dtype !== undefined) wire.t = record.dtype
    if (record.encode !== undefined) wire.e = record.encode
    if (record.arg !== undefined) wire.a = record.arg
    let payload: Uint8Array
    try {
      payload = encode(wire, { ignoreUndefined: true })
    } catch (err) {
      throw new JournalError(`cannot encode the spill record for ${record.path}`, { cause: err })
    }
    const head = Buffer.allocUnsafe(RECORD_HEADER_BYTES)
    head.writeUInt32LE(payload.byteLength, 0)
    head.writeUInt32LE(crc32(payload), 4)
    const total = RECORD_HEADER_BYTES + payload.byteLength
    let written = 0
    try {
      written = writevSync(this.#fd, [head, payload], this.#end)
      // A regular file write can be short when the disk fills; finish it or fail.
      while (written < total) {
        const n = written < RECORD_HEADER_BYTES
          ? writeSync(this.#fd, head, written, RECORD_HEADER_BYTES - written, this.#end + written)
          : writeSync(this.#fd, payload, written - RECORD_HEADER_BYTES, total - written, this.#end + written)
        if (n === 0) throw new Error('short write')
        written += n
      }
    } catch (err) {
      try { ftruncateSync(this.#fd, this.#end) } catch { /* the error below reports the write failure */ }
      throw new JournalError(`cannot append to spill journal ${this.path}`, { cause: err })
    }
    this.#end += total
    this.#appended++
    return total
  }

  /** Payload size of the next record to read (about the memory it will need), or -1. */
  nextSize (): number {
    if (this.#readOffset + RECORD_HEADER_BYTES > this.#end) return -1
    const head = Buffer.allocUnsafe(4)
    readFully(this.#fd, head, this.#readOffset)
    return head.readUInt32LE(0)
  }

  /**
   * The next record in append order, or `null` when every record was read. A damaged record
   * throws `JournalError` (the journal cannot be trusted past it).
   */
  readNext (): SpillRecord | null {
    const r = readRecordAt(this.#fd, this.#readOffset, this.#end)
    if (r === null) return null
    if ('torn' in r) throw new JournalError(`spill journal ${this.path} is damaged: ${r.torn}`)
    this.#readOffset = r.next
    this.#read++
    return r.record
  }

  /** Closes and deletes the file. */
  remove (): void {
    this.close()
    try { unlinkSync(this.path) } catch { /* already gone: nothing to remove */ }
  }

  /** Closes the file and keeps it (for recovery with `SpillJournalReader`). */
  close (): void {
    if (this.#fd < 0) return
    closeSync(this.#fd)
    this.#fd = -1
  }
}
