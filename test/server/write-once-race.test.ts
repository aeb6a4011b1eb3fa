// PROTOCOL.md §3.6 MUST: among concurrent PUTs of one new name exactly one gets 200 and
// its bytes are what is stored (PYME gave several 200s in 5-15 of 20 rounds,
// pyme-wire/pyme_wire_race.txt). Like PYME's race_put.py: every connection sends all but
// the last body byte, then all release together.
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { WireClient } from './pyme-wire-client.js'

const CLIENTS = 10
const ROUNDS = 20

t.test(`${CLIENTS} connections x ${ROUNDS} rounds: exactly one 200 per name, its content on disk`, async (t) => {
  const s = await startDataServerForTest(t)
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => WireClient.connect(s.port)))
  t.teardown(() => { for (const c of clients) c.destroy() })
  let violations = 0
  for (let round = 0; round < ROUNDS; round++) {
    const name = `race/r${round}.txt`
    const bodies = clients.map((_, i) => Buffer.from(`client-${String(i).padStart(2, '0')}-${'x'.repeat(20_000 + i)}`))
    await Promise.all(clients.map((c, i) => {
      const body = bodies[i] as Buffer
      return c.write(Buffer.concat([
        Buffer.from(`PUT /${name} HTTP/1.1\r\nConnection: keep-alive\r\nContent-Length: ${body.length}\r\n\r\n`),
        body.subarray(0, body.length - 1)
      ]))
    }))
    // Barrier passed: release the last byte of every body at once.
    await Promise.all(clients.map((c, i) => c.write((bodies[i] as Buffer).subarray(-1))))
    const codes = await Promise.all(clients.map(async (c) => (await c.response()).status))
    const winners = codes.flatMap((code, i) => code === 200 ? [i] : [])
    if (winners.length !== 1) violations++
    t.same(codes.filter((c) => c !== 200 && c !== 405), [], `round ${round}: only 200 and 405`)
    t.equal(winners.length, 1, `round ${round}: exactly one 200 (${codes.join(',')})`)
    const stored = await readFile(join(s.root, name))
    t.same(stored, bodies[winners[0] as number], `round ${round}: the winner's bytes are stored`)
  }
  t.equal(violations, 0)
  t.equal((await readdir(join(s.root, 'race'))).length, ROUNDS, 'no temp files left')
  const listing = await (await fetch(`${s.url}race/`)).json() as Record<string, [number, number]>
  t.equal(Object.keys(listing).length, ROUNDS)
})
