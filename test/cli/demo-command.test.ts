import t from 'tap'
import { main } from '../../lib/cli/main.js'
import { demoCommand } from '../../lib/cli/demo-command.js'
import { captureIo as io } from './cluster-cli-helpers.js'

const small = ['--width', '64', '--height', '48', '--frames', '2', '--workers', '1']

t.test('demo prints a verified table', async (t) => {
  const a = io()
  t.equal(await main(['demo', ...small], a), 0, a.err())
  const out = a.out()
  t.match(out, /PZF round trip of 2 simulated 64x48 uint16 camera frames/)
  t.match(out, /lossless\s+in-process .* bit-exact/)
  t.match(out, /lossless\s+pool \(1\) .* same bytes/)
  t.match(out, /quantised\s+in-process .* within bound/)
  t.match(out, /quantised\s+pool \(1\) .* same bytes/)
  t.notMatch(out, /FAILED/)
})

t.test('--json', async (t) => {
  const a = io()
  t.equal(await demoCommand.run([...small, '--json', '--seed', '9'], a), 0)
  const r = JSON.parse(a.out()) as { width: number, rows: Array<{ mode: string, path: string, ratio: number, verified: boolean }> }
  t.equal(r.width, 64)
  t.equal(r.rows.length, 4)
  t.ok(r.rows.every((row) => row.verified && row.ratio > 1))
  t.ok((r.rows[2]?.ratio ?? 0) > (r.rows[0]?.ratio ?? 0), 'quantised is smaller')
})

t.test('usage errors and --help', async (t) => {
  const a = io()
  t.equal(await main(['demo', '--width', '0'], a), 2)
  t.match(a.err(), /invalid --width/)
  const b = io()
  t.equal(await main(['demo', '--bogus'], b), 2)
  const c = io()
  t.equal(await main(['demo', '--help'], c), 0)
  t.match(c.out(), /Usage: pyme-cluster demo/)
})

t.test('an aborted demo stops with exit code 130', async (t) => {
  const a = io()
  a.abort.abort()
  t.equal(await demoCommand.run(small, a), 130)
  t.match(a.err(), /interrupted/)
})
