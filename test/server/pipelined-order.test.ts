// PROTOCOL.md §3.1: pipelined requests on one connection take effect in order. A request the
// server refuses at once (405, 400, 415) must not let the ones after it overtake an earlier
// upload that is still being committed: a GET after a PUT on the same connection sees the file.
import { writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { WireClient } from './pyme-wire-client.js'

const BIG = 2 * 1024 * 1024 + 5 // above the in-memory commit limit: the streaming path

t.test('a refused request in the middle does not let a later GET overtake a committing PUT', async (t) => {
  const s = await startDataServerForTest(t)
  await mkdir(join(s.root, 'ord'))
  await writeFile(join(s.root, 'ord', 'dup'), 'there already')
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  const refusals = [
    ['PUT /ord/dup HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc', 405],
    ['PUT /ord/.pyme-x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc', 400],
    ['PUT /ord/gz HTTP/1.1\r\nContent-Encoding: br\r\nContent-Length: 3\r\n\r\nabc', 415]
  ] as const
  for (let round = 0; round < 12; round++) {
    const [refused, code] = refusals[round % refusals.length]!
    const body = Buffer.alloc(BIG, round)
    await c.write(Buffer.concat([
      Buffer.from(`PUT /ord/big${round} HTTP/1.1\r\nContent-Length: ${BIG}\r\n\r\n`), body,
      Buffer.from(refused),
      Buffer.from(`GET /ord/big${round} HTTP/1.1\r\n\r\n`)
    ]))
    t.equal((await c.response()).status, 200, `round ${round}: stored`)
    t.equal((await c.response()).status, code, `round ${round}: refused with ${code}`)
    const got = await c.response()
    t.equal(got.status, 200, `round ${round}: the GET after it sees the file`)
    t.equal(got.body.length, BIG)
  }
})
