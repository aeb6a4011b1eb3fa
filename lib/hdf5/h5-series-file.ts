/**
 * An image series in one HDF5 file, laid out as PYME's `H5File` (PYME/IO/h5File.py and
 * h5rFile.py) writes it for `__aggregate_h5`, and read back as PYME's server presents it: a
 * series folder of metadata.json, frame%05d.pzf and events.json (docs/hdf5.md).
 *
 *   /PZFImageData    VLArray of VLStringAtom: one PZF file per row, in arrival order
 *   /PZFImageIndex   Table FrameNum i4, Position i4 (zlib 5 + shuffle): frame → row
 *   /MetaData        group; metadata as PyTables attributes, dotted keys as nested groups
 *   /Events          Table EventDescr S256, EventName S32, Time f8 (zlib 5 + shuffle)
 *
 * The three tables are hard links to the template's hidden nodes (pytables-templates.ts),
 * made when PYME would create them, so their presence means what it means to PYME (an
 * /Events table: the series is complete).
 *
 * Where we differ from PYME, on the side of not losing or confusing data: a frame number
 * already stored is refused (`AlreadyExistsError`: a re-sent frame must not become a
 * second row); a body that is not PZF is refused before anything is written;
 * final_metadata.json is merged into /MetaData (PYME ignores it, losing EndTime); frame
 * names are parsed in full (PYME reads only five digits).
 */
import { AlreadyExistsError, Hdf5Error, InvalidArgumentError, NotFoundError, SeriesFormatError } from '../errors.js'
import { readPzfHeader } from '../pzf/format.js'
import { formatEvents, parseEvents, type SeriesEvent } from '../internal/event-log.js'
import { parseLenientJson } from '../internal/lenient-json.js'
import { formatPythonJson, isPlainObject, type PyJsonValue } from '../internal/python-json.js'
import { EVENTS_FILE, FINAL_METADATA_FILE, frameFileName, METADATA_FILE, parseFrameFileName } from '../internal/series-layout.js'
import type { H5File } from './h5-file.js'
import { decodeAttribute, setGroupAttributes, setPyTablesAttribute } from './pytables-attrs.js'
import { TEMPLATE_GROUP } from './pytables-templates.js'

export const IMAGE_DATA = '/PZFImageData'
export const IMAGE_INDEX = '/PZFImageIndex'
export const EVENTS = '/Events'
export const METADATA = '/MetaData'

const EVENT_ROW = 256 + 32 + 8
const textEncoder = new TextEncoder()
const utf8 = new TextDecoder()

/** PyTables' own attributes, never metadata entries (`issysattrname`). */
const SYS_ATTR = /^(?:CLASS|VERSION|TITLE|NROWS|EXTDIM|ENCODING|PYTABLES_FORMAT_VERSION|FLAVOR|FILTERS|AUTO_INDEX|DIRTY|NODE_TYPE|NODE_TYPE_VERSION|PSEUDOATOM|FIELD_\d+_(?:NAME|FILL))$/

/** What `put` did. */
export type PutOutcome = 'stored' | 'ignored'

function parseMetadataJson (body: Uint8Array, what: string): Record<string, PyJsonValue> {
  const value = parseLenientJson(utf8.decode(body), what)
  if (!isPlainObject(value)) throw new SeriesFormatError(`${what} is not a JSON object`)
  return value as Record<string, PyJsonValue>
}

/** Writes metadata entries as PYME's HDFMDHandler does (dotted keys → nested groups). */
export function writeMetadata (file: H5File, entries: Record<string, PyJsonValue>): void {
  if (file.kind(METADATA) === undefined) {
    file.createGroup(METADATA)
    setGroupAttributes(file, METADATA)
  }
  for (const [key, value] of Object.entries(entries)) {
    const parts = key.split('.')
    if (parts.some((p) => p === '' || p.includes('/'))) throw new SeriesFormatError(`metadata key '${key}' has an empty part or a '/'`)
    let path = METADATA
    for (const g of parts.slice(0, -1)) {
      path += '/' + g
      const kind = file.kind(path)
      if (kind === 'dataset') throw new SeriesFormatError(`metadata key '${key}': ${path} is not a group`)
      if (kind === undefined) {
        file.createGroup(path)
        setGroupAttributes(file, path)
      }
    }
    setPyTablesAttribute(file, path, parts[parts.length - 1] as string, value)
  }
}

/** Reads the metadata entries under /MetaData (flat, dotted keys). Empty without the group. */
export function readMetadata (file: H5File): Record<string, PyJsonValue> {
  const out = Object.create(null) as Record<string, PyJsonValue>
  if (file.kind(METADATA) !== 'group') return out
  const walk = (path: string, prefix: string, depth: number): void => {
    for (const name of file.attributeNames(path)) {
      if (SYS_ATTR.test(name)) continue
      const v = decodeAttribute(file.attribute(path, name))
      if (v !== undefined) out[prefix + name] = v
    }
    if (depth > 64) return
    for (const child of file.children(path)) {
      if (file.kind(`${path}/${child}`) === 'group') walk(`${path}/${child}`, `${prefix}${child}.`, depth + 1)
    }
  }
  walk(METADATA, '', 0)
  return out
}

function eventRows (events: readonly SeriesEvent[]): Uint8Array {
  const bytes = new Uint8Array(EVENT_ROW * events.length)
  const view = new DataView(bytes.buffer)
  events.forEach((e, i) => {
    const at = i * EVENT_ROW
    // numpy truncates to the column width, as PYME's list_to_array does.
    bytes.set(textEncoder.encode(e.description).subarray(0, 256), at)
    bytes.set(textEncoder.encode(e.name).subarray(0, 32), at + 256)
    view.setFloat64(at + 288, e.time, true)
  })
  return bytes
}

function cString (bytes: Uint8Array): string {
  const end = bytes.indexOf(0)
  return utf8.decode(end < 0 ? bytes : bytes.subarray(0, end))
}

export class H5SeriesFile {
  readonly file: H5File
  /** Frame number → row of /PZFImageData (from /PZFImageIndex). */
  readonly #index = new Map<number, number>()
  #indexed = false

  constructor (file: H5File) {
    this.file = file
  }

  #loadIndex (): void {
    if (this.#indexed) return
    const f = this.file
    if (f.kind(IMAGE_INDEX) === 'dataset') {
      const n = f.rows(IMAGE_INDEX)
      const bytes = f.readRecords(IMAGE_INDEX, 0, n)
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      for (let i = 0; i < n; i++) this.#index.set(view.getInt32(8 * i, true), view.getInt32(8 * i + 4, true))
    }
    this.#indexed = true
  }

  #ensure (name: string): void {
    if (this.file.kind(name) === undefined) this.file.link(`${TEMPLATE_GROUP}${name}`, name.slice(1))
  }

  /** Applies one `__aggregate_h5` member, as one committed append. */
  put (member: string, body: Uint8Array): PutOutcome {
    if (member === METADATA_FILE || member === 'MetaData' || member === FINAL_METADATA_FILE) {
      const entries = parseMetadataJson(body, member)
      this.file.transaction(() => { writeMetadata(this.file, entries) })
      return 'stored'
    }
    if (member === EVENTS_FILE) {
      const rows = eventRows(parseEvents(utf8.decode(body), member))
      this.file.transaction(() => {
        this.#ensure(EVENTS)
        this.file.appendRecords(EVENTS, rows, rows.length / EVENT_ROW)
        this.#setRows(EVENTS)
      })
      return 'stored'
    }
    if (member.startsWith('frame')) {
      const frameNum = readPzfHeader(body).frameNum
      if (frameNum > 0x7fffffff) throw new InvalidArgumentError(`frame number ${frameNum} does not fit PYME's index (i4)`)
      this.#loadIndex()
      if (this.#index.has(frameNum)) throw new AlreadyExistsError(`frame ${frameNum} is already stored in ${this.file.path}`)
      const row = this.file.transaction(() => {
        this.#ensure(IMAGE_DATA)
        this.#ensure(IMAGE_INDEX)
        const position = this.file.appendVlen(IMAGE_DATA, [body])
        const entry = new Uint8Array(8)
        const view = new DataView(entry.buffer)
        view.setInt32(0, frameNum, true)
        view.setInt32(4, position, true)
        this.file.appendRecords(IMAGE_INDEX, entry, 1)
        this.#setRows(IMAGE_INDEX)
        return position
      })
      this.#index.set(frameNum, row)
      return 'stored'
    }
    return 'ignored'
  }

  // PyTables keeps a table's row count in its NROWS attribute too.
  #setRows (table: string): void {
    setPyTablesAttribute(this.file, table, 'NROWS', BigInt(this.file.rows(table)))
  }

  /** Number of frames (rows of /PZFImageData). */
  get frameCount (): number {
    return this.file.kind(IMAGE_DATA) === 'dataset' ? this.file.rows(IMAGE_DATA) : 0
  }

  /** Whether /Events exists (PYME: the series is complete). */
  get complete (): boolean {
    return this.file.kind(EVENTS) === 'dataset'
  }

  /** The member names of the series folder, as PYME's `get_listing`. */
  listing (): string[] {
    const names = [METADATA_FILE]
    if (this.complete) names.push(EVENTS_FILE)
    const n = this.frameCount
    if (n > 0) {
      this.#loadIndex()
      if (this.#index.size > 0) {
        for (const f of [...this.#index.keys()].sort((a, b) => a - b)) names.push(frameFileName(f))
      } else {
        for (let i = 0; i < n; i++) names.push(frameFileName(i))
      }
    }
    return names
  }

  /** The bytes of one member; `NotFoundError` when there is no such member. */
  read (member: string): Uint8Array {
    if (member === METADATA_FILE) {
      return textEncoder.encode(formatPythonJson(readMetadata(this.file), { indent: 2, sortKeys: true }))
    }
    if (member === EVENTS_FILE) {
      if (!this.complete) throw new NotFoundError(`${this.file.path} has no events`)
      return textEncoder.encode(formatEvents(this.events()))
    }
    const frame = parseFrameFileName(member)
    if (frame === undefined) throw new NotFoundError(`${this.file.path} has no member ${member}`)
    const n = this.frameCount
    this.#loadIndex()
    const row = this.#index.size > 0 ? this.#index.get(frame) : (frame < n ? frame : undefined)
    if (row === undefined || row >= n) throw new NotFoundError(`${this.file.path} has no frame ${frame}`)
    return this.file.readVlen(IMAGE_DATA, row)
  }

  /** The /Events rows. */
  events (): SeriesEvent[] {
    if (!this.complete) return []
    const info = this.file.dataset(EVENTS)
    const members = info.compound_type?.members ?? []
    const field = (name: string): { offset: number, size: number } => {
      const m = members.find((x) => x.name === name)
      if (m === undefined) throw new Hdf5Error(`${this.file.path}: /Events has no ${name} column`)
      return m
    }
    const d = field('EventDescr')
    const nm = field('EventName')
    const t = field('Time')
    const n = this.file.rows(EVENTS)
    const bytes = this.file.readRecords(EVENTS, 0, n)
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const out: SeriesEvent[] = []
    for (let i = 0; i < n; i++) {
      const at = i * info.size
      out.push({
        name: cString(bytes.subarray(at + nm.offset, at + nm.offset + nm.size)),
        description: cString(bytes.subarray(at + d.offset, at + d.offset + d.size)),
        time: view.getFloat64(at + t.offset, true)
      })
    }
    return out
  }
}
