/**
 * One open HDF5 file, through h5wasm's low-level calls, with the operations PYME's layouts
 * need: append rows (variable-length byte rows, fixed-size records), read them back, set and
 * read PyTables attributes, create groups and tables, hard-link template nodes.
 *
 * Writes happen inside `transaction()`: the rollback journal is started, the work done,
 * H5Fflush called (so the file on disk is complete and consistent) and the journal emptied.
 * If anything fails half-way the handle is closed, the journal undoes the partial append,
 * and the file is reopened on next use: a failed append leaves the file as it was.
 *
 * Synchronous by design: it runs on H5Service's worker thread, one call at a time.
 */
import { closeSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { Hdf5Error } from '../errors.js'
import type { H5Runtime } from './h5wasm-runtime.js'
import { RollbackJournal } from './rollback-journal.js'

/** HDF5 type classes (H5T_class_t). */
export const H5T = { INTEGER: 0, FLOAT: 1, STRING: 3, BITFIELD: 4, COMPOUND: 6, VLEN: 9, ARRAY: 10 } as const

/** A datatype as h5wasm describes it (also what it accepts to create one). */
export interface H5Type {
  readonly type: number
  readonly size: number
  readonly signed: boolean
  readonly littleEndian: boolean
  readonly vlen: boolean
  readonly cset?: number
  readonly compound_type?: { readonly members: ReadonlyArray<H5Type & { readonly name: string, readonly offset: number }>, readonly nmembers: number }
  readonly vlen_type?: H5Type
}

/** What a dataset looks like. */
export interface H5DatasetInfo extends H5Type {
  readonly shape: readonly number[]
  readonly chunks: readonly number[] | null
}

/** An attribute's raw form: its type, its shape (null: HDF5 NULL dataspace) and bytes. */
export interface RawAttribute extends H5Type {
  readonly shape: readonly number[] | null
  readonly bytes: Uint8Array
}

/** Prefix of the hidden journal next to a file (the data server never lists `.pyme-` names). */
export const JOURNAL_PREFIX = '.pyme-h5j.'

/** The journal path of an HDF5 file. */
export function journalPath (file: string): string {
  return join(dirname(file), JOURNAL_PREFIX + basename(file))
}

/** Options of `H5File.open`. */
export interface H5FileOpenOptions {
  /** Open for appending (with a rollback journal); false: read-only. */
  readonly write: boolean
  /** A new file's bytes (a PyTables template), created exclusively when the file is missing. */
  readonly create?: Uint8Array
  /** fsync at every commit (see RollbackJournal). */
  readonly fsync: boolean
  /** @internal fault injection, see RollbackJournalOptions */
  readonly unsafeKillAfterWrites?: number
}

/** HDF5's unlimited dimension (h5wasm does not export it: outside int32). */
const H5S_UNLIMITED = 18446744073709551615n
const MODE_READ = 'r'
const MODE_APPEND = 'a'

export class H5File {
  readonly path: string
  readonly writable: boolean
  readonly #rt: H5Runtime
  readonly #journal: RollbackJournal | undefined
  #file: InstanceType<H5Runtime['api']['File']> | undefined
  #fid = 0n
  #depth = 0
  /** Cached dataset metadata (shape updated by our own appends). */
  readonly #datasets = new Map<string, { info: H5DatasetInfo, rows: number }>()

  private constructor (rt: H5Runtime, path: string, journal: RollbackJournal | undefined) {
    this.#rt = rt
    this.path = path
    this.writable = journal !== undefined
    this.#journal = journal
  }

  /** Opens (recovering an interrupted append first), creating from `create` when missing. */
  static open (rt: H5Runtime, path: string, options: H5FileOpenOptions): H5File {
    if (options.write) {
      if (options.create !== undefined) createExclusive(path, options.create)
      RollbackJournal.recover(path, journalPath(path), options.fsync)
    }
    const journal = options.write
      ? new RollbackJournal(path, journalPath(path), {
        fsync: options.fsync,
        ...(options.unsafeKillAfterWrites === undefined ? {} : { unsafeKillAfterWrites: options.unsafeKillAfterWrites })
      })
      : undefined
    const f = new H5File(rt, path, journal)
    try {
      f.#reopen()
    } catch (err) {
      journal?.close()
      throw err
    }
    return f
  }

  #reopen (): void {
    const api = this.#rt.api
    if (this.#journal !== undefined) this.#rt.journals.set(this.path, this.#journal)
    try {
      this.#file = new api.File(this.path, this.writable ? MODE_APPEND : MODE_READ)
    } catch (err) {
      this.#rt.journals.delete(this.path)
      throw new Hdf5Error(`cannot open ${this.path} as an HDF5 file: ${(err as Error).message}`, { cause: err })
    }
    if (this.#file.file_id < 0n) {
      this.#rt.journals.delete(this.path)
      this.#file = undefined
      throw new Hdf5Error(`cannot open ${this.path} as an HDF5 file`)
    }
    this.#fid = this.#file.file_id
  }

  get #m (): H5Runtime['module'] {
    if (this.#file === undefined) throw new Hdf5Error(`${this.path} is closed`)
    return this.#rt.module
  }

  /**
   * Runs `fn` as one all-or-nothing change of the file: flushed and committed on success,
   * rolled back (and the handle reopened) on failure.
   */
  transaction<T> (fn: () => T): T {
    const journal = this.#journal
    if (journal === undefined) throw new Hdf5Error(`${this.path} is open read-only`)
    // A transaction inside one joins it: one commit (or rollback) for both.
    if (this.#depth > 0) return fn()
    if (this.#file === undefined) this.#reopen()
    journal.begin()
    this.#depth++
    try {
      const result = fn()
      if (this.#m.flush(this.#fid) < 0) throw new Hdf5Error(`cannot flush ${this.path}`)
      journal.commit()
      return result
    } catch (err) {
      this.#abandon()
      throw err
    } finally {
      this.#depth--
    }
  }

  // Closes the HDF5 handle without trusting its state, then undoes the partial append.
  #abandon (): void {
    const file = this.#file
    this.#file = undefined
    this.#datasets.clear()
    try {
      file?.close()
    } catch { /* the journal restores what the close may have written */ }
    this.#rt.journals.delete(this.path)
    this.#journal?.rollback()
  }

  /** Closes the file (flushes first when writable). Idempotent. */
  close (): void {
    const file = this.#file
    this.#file = undefined
    this.#datasets.clear()
    try {
      if (file !== undefined && file.close() < 0) throw new Hdf5Error(`cannot close ${this.path}`)
    } finally {
      this.#rt.journals.delete(this.path)
      if (this.#journal !== undefined) {
        this.#journal.close()
        try {
          unlinkSync(this.#journal.path)
        } catch { /* never created, or already gone */ }
      }
    }
  }

  /** Object type at `path`: 'dataset', 'group' or undefined when nothing is there. */
  kind (path: string): 'dataset' | 'group' | undefined {
    const m = this.#m
    let t: number
    try {
      t = m.get_type(this.#fid, path)
    } catch {
      return undefined
    }
    if (t === m.H5O_TYPE_DATASET) return 'dataset'
    if (t === m.H5O_TYPE_GROUP) return 'group'
    return undefined
  }

  /** Names of the children of a group. */
  children (path: string): string[] {
    return this.#m.get_names(this.#fid, path, false)
  }

  /** Makes `name` a second name of the node at `target` (template nodes). */
  link (target: string, name: string): void {
    if (this.#m.create_hard_link(this.#fid, target, name) < 0) throw new Hdf5Error(`cannot link ${name} in ${this.path}`)
  }

  /** Creates a group (no attributes). */
  createGroup (path: string): void {
    if (this.#m.create_group(this.#fid, path, false) < 0) throw new Hdf5Error(`cannot create group ${path} in ${this.path}`)
  }

  /** A dataset's type and shape (cached; our appends keep the row count current). */
  dataset (path: string): H5DatasetInfo {
    return this.#dataset(path).info
  }

  /** Rows of a 1-D dataset. */
  rows (path: string): number {
    return this.#dataset(path).rows
  }

  #dataset (path: string): { info: H5DatasetInfo, rows: number } {
    let d = this.#datasets.get(path)
    if (d === undefined) {
      const meta = this.#m.get_dataset_metadata(this.#fid, path) as unknown as H5DatasetInfo
      d = { info: meta, rows: meta.shape?.[0] ?? 0 }
      this.#datasets.set(path, d)
    }
    return d
  }

  #grow (path: string, add: number): number {
    const d = this.#dataset(path)
    const first = d.rows
    if (this.#m.resize_dataset(this.#fid, path, [BigInt(first + add)]) < 0) throw new Hdf5Error(`cannot extend ${path} in ${this.path}`)
    d.rows = first + add
    return first
  }

  /** Appends variable-length byte rows (a VLEN of uint8 dataset); returns the first new row. */
  appendVlen (path: string, rows: readonly Uint8Array[]): number {
    const m = this.#m
    let total = 0
    for (const r of rows) total += r.length
    const data = m._malloc(Math.max(total, 1))
    const hvl = m._malloc(8 * rows.length)
    try {
      const first = this.#grow(path, rows.length)
      // wasm32 hvl_t: { size_t len; void *p } (4 + 4 bytes)
      const view = new DataView(m.HEAPU8.buffer)
      let at = data
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i] as Uint8Array
        m.HEAPU8.set(r, at)
        view.setUint32(hvl + 8 * i, r.length, true)
        view.setUint32(hvl + 8 * i + 4, at, true)
        at += r.length
      }
      this.#write(path, first, rows.length, hvl)
      return first
    } finally {
      m._free(hvl)
      m._free(data)
    }
  }

  /** Appends `count` fixed-size records (`bytes` in the dataset's own layout); returns the first new row. */
  appendRecords (path: string, bytes: Uint8Array, count: number): number {
    if (count === 0) return this.rows(path)
    const m = this.#m
    const ptr = m._malloc(bytes.length)
    try {
      const first = this.#grow(path, count)
      m.HEAPU8.set(bytes, ptr)
      this.#write(path, first, count, ptr)
      return first
    } finally {
      m._free(ptr)
    }
  }

  #write (path: string, first: number, count: number, ptr: number): void {
    if (this.#m.set_dataset_data(this.#fid, path, [BigInt(count)], [BigInt(first)], [1n], BigInt(ptr)) < 0) {
      throw new Hdf5Error(`cannot write ${path} in ${this.path}`)
    }
  }

  /** One row of a VLEN-of-uint8 dataset (a fresh copy). */
  readVlen (path: string, row: number): Uint8Array {
    const m = this.#m
    const hvl = m._malloc(8)
    try {
      if (m.get_dataset_data(this.#fid, path, [1n], [BigInt(row)], [1n], BigInt(hvl)) < 0) throw new Hdf5Error(`cannot read ${path}[${row}] in ${this.path}`)
      const view = new DataView(m.HEAPU8.buffer)
      const len = view.getUint32(hvl, true)
      const p = view.getUint32(hvl + 4, true)
      const out = m.HEAPU8.slice(p, p + len)
      m.reclaim_vlen_memory_count(this.#fid, path, '', BigInt(hvl), [1n])
      return out
    } finally {
      m._free(hvl)
    }
  }

  /** `count` records from `first`, in the dataset's own (little-endian) layout. */
  readRecords (path: string, first: number, count: number): Uint8Array {
    const m = this.#m
    const info = this.dataset(path)
    if (count === 0) return new Uint8Array(0)
    const n = info.size * count
    const ptr = m._malloc(n)
    try {
      if (m.get_dataset_data(this.#fid, path, [BigInt(count)], [BigInt(first)], [1n], BigInt(ptr)) < 0) throw new Hdf5Error(`cannot read ${path} in ${this.path}`)
      return m.HEAPU8.slice(ptr, ptr + n)
    } finally {
      m._free(ptr)
    }
  }

  /**
   * Creates an extendible, chunked 1-D table of `type` with deflate level 5 (h5wasm sets one
   * filter per dataset: PyTables' shuffle is left out, readers see no difference).
   */
  createTable (path: string, type: H5Type, chunkRows: number): void {
    const m = this.#m
    const meta = { ...type, shape: [0n], maxshape: [H5S_UNLIMITED], chunks: [BigInt(chunkRows)], compression: 1, compression_opts: [5], track_order: false }
    if (m.create_dataset(this.#fid, path, 0n, meta as never) < 0) throw new Hdf5Error(`cannot create table ${path} in ${this.path}`)
  }

  /** Names of the attributes of a node. */
  attributeNames (path: string): string[] {
    return this.#m.get_attribute_names(this.#fid, path)
  }

  /** One attribute, raw. */
  attribute (path: string, name: string): RawAttribute {
    const m = this.#m
    const meta = m.get_attribute_metadata(this.#fid, path, name) as unknown as H5Type & { shape: number[] | null, total_size: number }
    if (meta.shape === null || meta.vlen) return { ...meta, bytes: new Uint8Array(0) }
    const n = meta.size * Math.max(1, meta.total_size)
    const ptr = m._malloc(n)
    try {
      if (m.get_attribute_data(this.#fid, path, name, BigInt(ptr)) < 0) throw new Hdf5Error(`cannot read attribute ${name} of ${path}`)
      return { ...meta, bytes: m.HEAPU8.slice(ptr, ptr + n) }
    } finally {
      m._free(ptr)
    }
  }

  /** Sets a scalar attribute from raw bytes of `type` (replacing one of that name). */
  setAttribute (path: string, name: string, type: H5Type, bytes: Uint8Array): void {
    const m = this.#m
    const names = m.get_attribute_names(this.#fid, path)
    if (names.includes(name) && m.delete_attribute(this.#fid, path, name) < 0) throw new Hdf5Error(`cannot replace attribute ${name} of ${path}`)
    const ptr = m._malloc(Math.max(1, bytes.length))
    try {
      m.HEAPU8.set(bytes, ptr)
      const meta = { ...type, shape: [], maxshape: [] }
      if (m.create_attribute(this.#fid, path, name, BigInt(ptr), meta as never) < 0) throw new Hdf5Error(`cannot set attribute ${name} of ${path}`)
    } finally {
      m._free(ptr)
    }
  }
}

// The template goes to a hidden temporary name and is linked into place, so a process killed
// meanwhile never leaves a half-written file under the real name.
function createExclusive (path: string, bytes: Uint8Array): void {
  const tmp = join(dirname(path), `${JOURNAL_PREFIX}new.${process.pid}.${Math.random().toString(36).slice(2)}`)
  const fd = openSync(tmp, 'wx', 0o640)
  let open = true
  try {
    writeSync(fd, bytes)
    closeSync(fd)
    open = false
    linkSync(tmp, path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  } finally {
    if (open) closeSync(fd)
    unlinkSync(tmp)
  }
}
