import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { SqliteRegistry, defaultRegistryPath } from '../../lib/internal/sqlite-registry.js'
import { RegistryError } from '../../lib/errors.js'

function tempDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'pyme-reg-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

t.test('register, list newest row per name, unregister', async (t) => {
  const reg = new SqliteRegistry({ path: join(tempDir(t), '_pyme-http.sqlite') })
  t.same(reg.list(), [])
  reg.register('PYMEDataServer [a]:h - PID:1', '127.0.0.1', 1000)
  reg.register('PYMEDataServer [b]:h - PID:2', '127.0.0.1', 2000)
  await new Promise((resolve) => setTimeout(resolve, 5))
  reg.register('PYMEDataServer [a]:h - PID:1', '127.0.0.1', 1001)
  const list = reg.list()
  t.equal(list.length, 2)
  const a = list.find((e) => e.name.includes('[a]'))!
  t.equal(a.port, 1001, 'newest row wins')
  t.equal(a.address, '127.0.0.1')
  t.type(a.creationTime, 'number')
  reg.unregister('PYMEDataServer [a]:h - PID:1')
  t.same(reg.list().map((e) => e.port), [2000])
  reg.remove({ name: 'PYMEDataServer [b]:h - PID:2', address: '127.0.0.1', port: 2000 })
  t.same(reg.list(), [])
})

function hasPythonSqlite (): boolean {
  try {
    execFileSync('python3', ['-c', 'import sqlite3'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

t.test('the file is a real SQLite database with PYME\'s schema, readable by Python', {
  skip: hasPythonSqlite() ? false : 'python3 with sqlite3 is not installed here, so the file cannot be read independently'
}, async (t) => {
  const path = join(tempDir(t), 'reg.sqlite')
  new SqliteRegistry({ path }).register('n', '127.0.0.1', 5, 'u')
  const schema = execFileSync('python3', ['-c', `import sqlite3;c=sqlite3.connect(${JSON.stringify(path)});print(c.execute("select sql from sqlite_master where name='dns'").fetchone()[0]);print(c.execute('select name,address,port,URI from dns').fetchall())`], { encoding: 'utf8' })
  t.match(schema, /CREATE TABLE dns \(name TEXT, address TEXT, port INTEGER, creation_time FLOAT, URI TEXT\)/)
  t.match(schema, /\[\('n', '127\.0\.0\.1', 5, 'u'\)\]/)
})

t.test('an unusable file is a RegistryError', async (t) => {
  const path = join(tempDir(t), 'garbage.sqlite')
  writeFileSync(path, 'this is not a database, just text that is long enough to have a header '.repeat(10))
  const reg = new SqliteRegistry({ path })
  t.throws(() => reg.list(), RegistryError)
  t.throws(() => reg.register('x', '127.0.0.1', 1), { code: 'PYME_ERR_REGISTRY' })
})

t.test('default path follows Python\'s tempfile rules', async (t) => {
  const dir = tempDir(t)
  t.equal(defaultRegistryPath('_pyme-http', { TMPDIR: dir }), join(dir, '_pyme-http.sqlite'))
  t.equal(defaultRegistryPath('_pyme-http', { TMPDIR: join(dir, 'missing') }), '/tmp/_pyme-http.sqlite')
})
