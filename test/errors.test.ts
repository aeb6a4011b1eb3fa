import { readFileSync } from 'node:fs'
import t from 'tap'
import * as api from '../lib/index.js'
import { errorCodes, PymeError } from '../lib/errors.js'
import { exitCodeFor } from '../lib/cli/exit-codes.js'

const docs = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')

t.test('docs/errors.md, lib/errors.ts and the root exports list the same codes', async (t) => {
  const rows = [...docs.matchAll(/^\| `(PYME_ERR_[A-Z0-9_]+)` \| `(\w+)` \|.*\| (\d+) \|$/gm)]
  const documented = Object.fromEntries(rows.map((m) => [m[1], m[2]]))
  t.same(documented, errorCodes, 'every code documented once, with its class')
  for (const m of rows) {
    t.equal(exitCodeFor(m[1] as keyof typeof errorCodes), Number(m[3]), `exit code of ${m[1]}`)
  }
  const exported = api as unknown as Record<string, unknown>
  for (const name of Object.values(errorCodes)) {
    t.type(exported[name], 'function', `${name} is exported from the root`)
  }
})

t.test('each class carries its code and a cause', async (t) => {
  const exported = api as unknown as Record<string, new (...args: unknown[]) => PymeError>
  for (const [code, name] of Object.entries(errorCodes)) {
    const Ctor = exported[name]!
    const cause = new Error('root cause')
    const args: unknown[] = name === 'HttpStatusError'
      ? ['m', 500, 'http://x/', { cause }]
      : name === 'StoreFailedError'
        ? ['m', ['a'], undefined, { cause }]
        : name === 'PymeError' ? ['m', code, { cause }] : ['m', { cause }]
    const err = new Ctor(...args)
    t.equal(err.code, code, `${name}.code`)
    t.equal(err.name, name, `${name}.name`)
    t.equal(err.cause, cause, `${name}.cause`)
    t.ok(err instanceof PymeError, `${name} instanceof PymeError`)
    t.ok(err instanceof Error)
  }
})

t.test('instanceof PymeError survives a second copy of the class (brand)', async (t) => {
  const foreign = Object.create(null) as Record<symbol, unknown>
  foreign[Symbol.for('pyme-cluster.error')] = true
  t.ok(foreign instanceof PymeError)
  t.notOk(new Error('x') instanceof PymeError)
  t.notOk((null as unknown as object) instanceof PymeError)
  t.notOk(new api.NotFoundError('x') instanceof api.AlreadyExistsError)
  t.ok(new api.AckTimeoutError('x') instanceof api.OperationTimeoutError)
  t.ok(new api.PzfLimitError('x') instanceof api.PzfFormatError)
})
