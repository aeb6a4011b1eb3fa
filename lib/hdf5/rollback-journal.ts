/**
 * An undo journal that makes one append to an HDF5 file all-or-nothing, even if the process
 * is killed in the middle of it.
 *
 * HDF5 has no journal of its own: an append updates B-tree nodes, object headers, heaps and
 * compressed chunks in place, so a process killed half-way can leave a file whose earlier
 * rows no longer read. The HDF5 library (h5wasm) does its file I/O through the Emscripten
 * file system; h5wasm-runtime.ts routes every `pwrite` and `ftruncate` of a journalled file
 * through `beforeWrite` / `beforeTruncate` here first. Before a byte below the size the file
 * had when the append began (`base`) changes, its old value is saved in the journal:
 *
 *   <name>.h5             ... committed bytes ...|  new bytes (dropped on rollback)
 *   .pyme-h5j.<name>.h5   "PYMEH5J1" base:u64 | offset:u64 length:u32 crc32:u32 old bytes | …
 *
 * Only bytes that really change are saved (HDF5 rewrites whole 1 MiB chunks whose content is
 * mostly unchanged), so a frame append journals a few hundred bytes. `commit()` (after
 * H5Fflush) empties the journal. `recover()` (before a file is opened) undoes an append
 * that did not commit: records are applied newest first, then the file is cut back to
 * `base`. A record torn by the kill is ignored: its file write had not started (the record
 * is written first). With `fsync`, the journal reaches the disk before the file is touched
 * and the file before the journal is emptied (power-loss safe); without, a killed process
 * loses nothing (the page cache survives it), which is the case the data server guarantees.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs'
import { crc32 } from 'node:zlib'

const MAGIC = Buffer.from('PYMEH5J1', 'latin1')
const HEADER = 16
const RECORD_HEADER = 16
/** Differences closer than this are saved as one record. */
const MERGE_GAP = 64
/** Bytes compared at once before looking for the changed ones. */
const BLOCK = 256

/** Options of `RollbackJournal`. */
export interface RollbackJournalOptions {
  /** fsync the journal before the file changes, and the file before the journal is emptied. */
  readonly fsync: boolean
  /**
   * Fault injection for tests: SIGKILL the process at the file's this-many-th journalled
   * write (counted over all appends), i.e. in the middle of some append. @internal
   */
  readonly unsafeKillAfterWrites?: number
}

export class RollbackJournal {
  readonly target: string
  readonly path: string
  readonly #fsync: boolean
  readonly #killAfter: number
  /** Our own read handle of the target (for old bytes). */
  #readFd: number
  #journalFd = -1
  /** Size of the target when the append began; -1 outside an append. */
  #base = -1
  /** Bytes in the journal (0: nothing written for this append). */
  #journalSize = 0
  #writes = 0
  #buffer = Buffer.allocUnsafe(0)

  constructor (target: string, journalPath: string, options: RollbackJournalOptions) {
    this.target = target
    this.path = journalPath
    this.#fsync = options.fsync
    this.#killAfter = options.unsafeKillAfterWrites ?? 0
    this.#readFd = openSync(target, 'r')
  }

  /** True between `begin()` and `commit()` / `rollback()`. */
  get active (): boolean { return this.#base >= 0 }

  /** Starts an append: the file's current size is what a rollback returns to. */
  begin (): void {
    this.#base = fstatSync(this.#readFd).size
    this.#journalSize = 0
  }

  /** Saves the old value of the bytes `bytes` is about to overwrite at `position`. */
  beforeWrite (position: number, bytes: Uint8Array): void {
    if (this.#base < 0) return
    if (this.#killAfter > 0 && ++this.#writes >= this.#killAfter) process.kill(process.pid, 'SIGKILL')
    const end = Math.min(position + bytes.length, this.#base)
    if (position >= end) return
    const old = this.#scratch(end - position)
    const got = readSync(this.#readFd, old, 0, old.length, position)
    const now = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(got, bytes.length))
    const n = now.length
    // Equal blocks are skipped with a native compare; only changed blocks are scanned.
    let runStart = -1
    let runEnd = -1
    for (let b = 0; b < n; b += BLOCK) {
      const e = Math.min(n, b + BLOCK)
      if (old.compare(now, b, e, b, e) === 0) continue
      for (let i = b; i < e; i++) {
        if (old[i] === now[i]) continue
        if (runStart >= 0 && i - runEnd > MERGE_GAP) {
          this.#record(position + runStart, old.subarray(runStart, runEnd))
          runStart = -1
        }
        if (runStart < 0) runStart = i
        runEnd = i + 1
      }
    }
    if (runStart >= 0) this.#record(position + runStart, old.subarray(runStart, runEnd))
  }

  // The old bytes of a write: a buffer kept between writes (HDF5 rewrites a 1 MiB chunk per
  // frame append; a fresh buffer each time is garbage-collector work).
  #scratch (n: number): Buffer {
    if (this.#buffer.length < n) this.#buffer = Buffer.allocUnsafe(Math.max(n, this.#buffer.length * 2))
    return this.#buffer.subarray(0, n)
  }

  /** Saves the tail a truncation below the committed size would cut. */
  beforeTruncate (length: number): void {
    if (this.#base < 0 || length >= this.#base) return
    const old = Buffer.allocUnsafe(this.#base - length)
    const got = readSync(this.#readFd, old, 0, old.length, length)
    this.#record(length, old.subarray(0, got))
  }

  #record (offset: number, old: Uint8Array): void {
    if (this.#journalFd < 0) this.#journalFd = openSync(this.path, 'w', 0o600)
    const head = Buffer.alloc(RECORD_HEADER)
    head.writeBigUInt64LE(BigInt(offset), 0)
    head.writeUInt32LE(old.length, 8)
    head.writeUInt32LE(crc32(old), 12)
    if (this.#journalSize === 0) {
      const h = Buffer.alloc(HEADER)
      MAGIC.copy(h, 0)
      h.writeBigUInt64LE(BigInt(this.#base), 8)
      writeSync(this.#journalFd, h, 0, HEADER, 0)
      this.#journalSize = HEADER
    }
    writeSync(this.#journalFd, Buffer.concat([head, old]), 0, RECORD_HEADER + old.length, this.#journalSize)
    this.#journalSize += RECORD_HEADER + old.length
    if (this.#fsync) fsyncSync(this.#journalFd)
  }

  /** Ends the append: everything written is now the file (fsync'd first with `fsync`). */
  commit (writeFd?: number): void {
    if (this.#fsync) fsyncSync(writeFd ?? this.#readFd)
    if (this.#journalSize > 0) {
      ftruncateSync(this.#journalFd, 0)
      if (this.#fsync) fsyncSync(this.#journalFd)
    }
    this.#base = -1
    this.#journalSize = 0
  }

  /** Undoes the append now (the HDF5 handle must be closed first). */
  rollback (): void {
    this.#base = -1
    this.#journalSize = 0
    if (this.#journalFd >= 0) {
      closeSync(this.#journalFd)
      this.#journalFd = -1
    }
    RollbackJournal.recover(this.target, this.path, this.#fsync)
  }

  /** Releases the handles (after commit or rollback). */
  close (): void {
    if (this.#journalFd >= 0) closeSync(this.#journalFd)
    this.#journalFd = -1
    if (this.#readFd >= 0) closeSync(this.#readFd)
    this.#readFd = -1
  }

  /**
   * Undoes an append that did not commit, if the journal says so. Returns true when the file
   * was rolled back. Safe to call on a file without a journal.
   */
  static recover (target: string, journalPath: string, fsync: boolean): boolean {
    let jfd: number
    try {
      jfd = openSync(journalPath, 'r+')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw err
    }
    try {
      const size = fstatSync(jfd).size
      const journal = Buffer.allocUnsafe(size)
      let got = 0
      while (got < size) {
        const n = readSync(jfd, journal, got, size - got, got)
        if (n === 0) break
        got += n
      }
      // No complete header: the file was never touched below its committed size.
      if (got < HEADER || !journal.subarray(0, 8).equals(MAGIC)) {
        if (got > 0) ftruncateSync(jfd, 0)
        return false
      }
      const base = Number(journal.readBigUInt64LE(8))
      const records: Array<[number, Buffer]> = []
      let at = HEADER
      while (at + RECORD_HEADER <= got) {
        const offset = Number(journal.readBigUInt64LE(at))
        const length = journal.readUInt32LE(at + 8)
        const sum = journal.readUInt32LE(at + 12)
        const body = journal.subarray(at + RECORD_HEADER, at + RECORD_HEADER + length)
        if (body.length !== length || crc32(body) !== sum) break
        records.push([offset, body])
        at += RECORD_HEADER + length
      }
      const fd = openSync(target, 'r+')
      try {
        for (let i = records.length - 1; i >= 0; i--) {
          const [offset, body] = records[i] as [number, Buffer]
          writeSync(fd, body, 0, body.length, offset)
        }
        ftruncateSync(fd, base)
        if (fsync) fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      ftruncateSync(jfd, 0)
      if (fsync) fsyncSync(jfd)
      return true
    } finally {
      closeSync(jfd)
    }
  }
}
