/**
 * A results file (`.h5r`, `.hdf`) as PYME's `H5RFile` keeps it for `__aggregate_h5r`: tables
 * of records appended batch by batch, and metadata in /MetaData (docs/hdf5.md).
 *
 *   PUT …/<file>.h5r/MetaData     JSON metadata, merged as PYME's HDFMDHandler does
 *   PUT …/<file>.h5r/<Table>      a .npy structured array or JSON records, appended
 *   PUT …/<file>.h5r              PYME: a pickled fitResults object. Never unpickled here.
 *
 * A new table gets the layout of its first batch and PyTables' table attributes (CLASS,
 * VERSION, TITLE, FIELD_n_NAME, NROWS), chunked and zlib-compressed. Later batches must have
 * the same layout (JSON records are converted to it).
 */
import { InvalidArgumentError } from '../errors.js'
import { parseLenientJson } from '../internal/lenient-json.js'
import { isPlainObject, type PyJsonValue } from '../internal/python-json.js'
import { H5T, type H5File } from './h5-file.js'
import { writeMetadata } from './h5-series-file.js'
import { isNpy, looksPickled, parseJsonRecords, parseNpy, sameLayout, UnsupportedDataError, type RecordBatch } from './npy-records.js'
import { setPyTablesAttribute } from './pytables-attrs.js'

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
/** Bytes per chunk of a new table (PyTables picks tens of KB for 500,000 expected rows). */
const CHUNK_BYTES = 32 * 1024

function fieldNames (batch: RecordBatch): string[] {
  return (batch.type.compound_type?.members ?? []).map((m) => m.name)
}

export class H5ResultsFile {
  readonly file: H5File

  constructor (file: H5File) {
    this.file = file
  }

  /** Applies one `__aggregate_h5r` request body to `table` ('' for none). */
  put (table: string, body: Uint8Array): void {
    if (table === '') throw new UnsupportedDataError('a results body without a table name is a pickle in PYME; send .npy or JSON records to a named table')
    if (table === 'MetaData') {
      const value = parseLenientJson(new TextDecoder().decode(body), 'MetaData')
      if (!isPlainObject(value)) throw new InvalidArgumentError('MetaData must be a JSON object')
      this.file.transaction(() => { writeMetadata(this.file, value as Record<string, PyJsonValue>) })
      return
    }
    if (!TABLE_NAME.test(table) || table.startsWith('_p_') || table.startsWith('_i_')) throw new InvalidArgumentError(`invalid table name '${table}'`)
    const path = `/${table}`
    const exists = this.file.kind(path)
    if (exists === 'group') throw new InvalidArgumentError(`/${table} is a group, not a table`)
    let batch: RecordBatch
    if (isNpy(body)) batch = parseNpy(body)
    else if (looksPickled(body)) throw new UnsupportedDataError('pickled bodies are never unpickled; send .npy or JSON records')
    else batch = parseJsonRecords(body, exists === 'dataset' ? this.file.dataset(path) : undefined)
    if (exists === 'dataset' && !sameLayout(this.file.dataset(path), batch.type)) {
      throw new InvalidArgumentError(`the records' fields differ from table /${table}`)
    }
    if (batch.type.type !== H5T.COMPOUND) throw new UnsupportedDataError('a table needs named fields')
    this.file.transaction(() => {
      if (exists === undefined) {
        this.file.createTable(path, batch.type, Math.max(1, Math.floor(CHUNK_BYTES / batch.type.size)))
        setPyTablesAttribute(this.file, path, 'CLASS', 'TABLE')
        setPyTablesAttribute(this.file, path, 'VERSION', '2.7')
        setPyTablesAttribute(this.file, path, 'TITLE', '')
        setPyTablesAttribute(this.file, path, 'FLAVOR', 'numpy')
        fieldNames(batch).forEach((n, i) => { setPyTablesAttribute(this.file, path, `FIELD_${i}_NAME`, n) })
      }
      this.file.appendRecords(path, batch.bytes, batch.count)
      setPyTablesAttribute(this.file, path, 'NROWS', BigInt(this.file.rows(path)))
    })
  }
}
