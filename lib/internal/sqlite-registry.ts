/**
 * PYME's host-local service registry (PROTOCOL.md §4.4), shared with Python processes on the
 * same machine: `<python tempdir>/_pyme-http.sqlite`, table
 *
 *   dns(name TEXT, address TEXT, port INTEGER, creation_time FLOAT, URI TEXT)
 *
 * Like PYME, every operation opens its own connection and commits, so Python's `sqlite3` and
 * we can share the file under SQLite's own locking. better-sqlite3 is synchronous; each call
 * is one short statement (with a busy timeout for a concurrent writer).
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { RegistryError } from '../errors.js'
import { pythonTempDir } from './python-tempdir.js'

/** One registered service: the newest row for its name. */
export interface RegistryEntry {
  readonly name: string
  readonly address: string
  readonly port: number
  /** Unix time in seconds (float) of registration. */
  readonly creationTime: number
  readonly uri: string
}

export interface SqliteRegistryOptions {
  /** Database file. @default `<python tempdir>/<protocol>.sqlite` */
  readonly path?: string
  /** Protocol label. @default '_pyme-http' */
  readonly protocol?: string
  /** How long to wait for a lock held by another process, ms. @default 5000 */
  readonly busyTimeout?: number
}

const CREATE = 'CREATE TABLE dns (name TEXT, address TEXT, port INTEGER, creation_time FLOAT, URI TEXT)'

/** The default registry file for a protocol, where a Python process would look. */
export function defaultRegistryPath (protocol = '_pyme-http', env: NodeJS.ProcessEnv = process.env): string {
  return join(pythonTempDir(env), `${protocol}.sqlite`)
}

export class SqliteRegistry {
  readonly path: string
  readonly #busyTimeout: number

  constructor (options: SqliteRegistryOptions = {}) {
    this.path = options.path ?? defaultRegistryPath(options.protocol)
    this.#busyTimeout = options.busyTimeout ?? 5000
  }

  #with<T> (what: string, fn: (db: Database.Database) => T): T {
    let db: Database.Database | undefined
    try {
      db = new Database(this.path, { timeout: this.#busyTimeout })
      try {
        db.exec(CREATE)
      } catch (err) {
        // PYME tolerates a concurrent creator the same way.
        if (!/already exists/.test((err as Error).message)) throw err
      }
      return fn(db)
    } catch (err) {
      throw new RegistryError(`cannot ${what} the service registry ${this.path}: ${(err as Error).message}`, { cause: err })
    } finally {
      db?.close()
    }
  }

  /** Adds a row for `name` (PYME allows several rows per name; the newest wins on lookup). */
  register (name: string, address: string, port: number, uri = ''): void {
    this.#with('write', (db) => {
      db.prepare('INSERT INTO dns VALUES(?, ?, ?, ?, ?)').run(name, address, port, Date.now() / 1000, uri)
    })
  }

  /** Removes every row of `name`. */
  unregister (name: string): void {
    this.#with('write', (db) => { db.prepare('DELETE FROM dns WHERE name=?').run(name) })
  }

  /** Removes the rows of one dead service (name, address and port must all match). */
  remove (entry: Pick<RegistryEntry, 'name' | 'address' | 'port'>): void {
    this.#with('write', (db) => {
      db.prepare('DELETE FROM dns WHERE name=? AND address=? AND port=?').run(entry.name, entry.address, entry.port)
    })
  }

  /** Every registered name with its newest row, as PYME's lookup sees them. */
  list (): RegistryEntry[] {
    return this.#with('read', (db) => {
      const names = db.prepare('SELECT DISTINCT name FROM dns').pluck().all() as string[]
      const newest = db.prepare('SELECT name, address, port, creation_time, URI FROM dns WHERE name=? ORDER BY creation_time DESC LIMIT 1')
      const out: RegistryEntry[] = []
      for (const name of names) {
        const row = newest.get(name) as { name: string, address: string, port: number, creation_time: number, URI: string | null } | undefined
        if (row === undefined) continue
        out.push({ name: row.name, address: row.address, port: Number(row.port), creationTime: Number(row.creation_time), uri: row.URI ?? '' })
      }
      return out
    })
  }
}
