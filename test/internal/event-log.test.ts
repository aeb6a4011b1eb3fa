import t from 'tap'
import { EventLog, formatEvents, MAX_EVENT_DESCRIPTION_LENGTH, parseEvents } from '../../lib/internal/event-log.js'
import { pythonMissing, runPython } from '../series/python-oracle.js'

t.test('events.json as PYME writes it', async (t) => {
  const log = new EventLog()
  t.equal(log.stringify(), '[]')
  log.log('StartAq', '0', 1716872400.123456)
  log.log('ProtocolFocus', '12, 3.5', 1716872400.2)
  log.log('Whole', 'x', 1716872401)
  t.equal(log.stringify(), '[["StartAq", "0", 1716872400.123456], ["ProtocolFocus", "12, 3.5", 1716872400.2], ["Whole", "x", 1716872401.0]]')
  t.equal(log.length, 3)
  t.same([...log].map((e) => e.name), ['StartAq', 'ProtocolFocus', 'Whole'])
  t.same(log.toArray()[1], { name: 'ProtocolFocus', description: '12, 3.5', time: 1716872400.2 })
  const before = Date.now() / 1000
  const e = log.log('Now')
  t.ok(e.time >= before && e.time <= Date.now() / 1000 + 1, 'time defaults to now')
  t.equal(e.description, '')
  t.equal(formatEvents([{ name: 'a"', description: '\n', time: 1e-5 }]), '[["a\\"", "\\n", 1e-05]]')
})

t.test('policy: names refused, long descriptions cut and counted', async (t) => {
  const log = new EventLog()
  t.equal(log.log('x'.repeat(31), 'd', 1).name.length, 31)
  for (const name of ['', 'x'.repeat(32), 'naïve', 'tab\there', 5 as unknown as string]) {
    t.throws(() => log.log(name, '', 1), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /event name/ })
  }
  t.throws(() => log.log('a', 'µm', 1), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /ASCII/ })
  t.throws(() => log.log('a', 3 as unknown as string, 1), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => log.log('a', '', NaN), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /time/ })
  t.throws(() => log.log('a', '', '1' as unknown as number), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  const long = log.log('Note', 'y'.repeat(300), 2)
  t.equal(long.description.length, MAX_EVENT_DESCRIPTION_LENGTH)
  t.equal(log.truncated, 1)
  t.equal(log.log('Note', 'y'.repeat(255), 2).description.length, 255)
  t.equal(log.truncated, 1)
  t.equal(log.length, 3)
})

t.test('lenient reader', async (t) => {
  t.same(parseEvents('[]'), [])
  t.same(parseEvents('[["StartAq", "0", 1716872400.5], ["n", 12, 3], ["m", "d", "4.5"], ["big", true, 12345678901234567890], ["f", 1.0, NaN]]').map((e) => [e.name, e.description, e.time]),
    [['StartAq', '0', 1716872400.5], ['n', '12', 3], ['m', 'd', 4.5], ['big', 'true', 12345678901234567000], ['f', '1', NaN]])
  const long = parseEvents(`[["${'n'.repeat(40)}", "\\u00b5${'d'.repeat(300)}", 1]]`)
  t.equal(long[0]?.name.length, 40, 'the reader keeps what others wrote')
  t.throws(() => parseEvents('{}'), { code: 'PYME_ERR_SERIES_FORMAT', message: /not a JSON array/ })
  for (const bad of ['[1]', '[["a", "b"]]', '[["a", "b", 1, 2]]', '[["a", "b", "x"]]', '[[null, "b", 1]]', '[["a", [], 1]]', '[["a", "b", null]]', '[["a", "b", ""]]']) {
    t.throws(() => parseEvents(bad, 'S/events.json'), { code: 'PYME_ERR_SERIES_FORMAT', message: /^S\/events\.json: event 0/ }, bad)
  }
})

t.test('differential: Python json.dumps of the same list', { skip: pythonMissing }, async (t) => {
  const log = new EventLog()
  log.log('StartAq', '', 1716872400.123456)
  log.log('ProtocolTask', 'q"\\\n\u0001', 1716872400)
  log.log('Tiny', 'x', 1.5e-7)
  const py = runPython('import json,sys\nv=json.loads(sys.stdin.read())\nprint(json.dumps([[a, b, float(c)] for a, b, c in v]), end="")', log.stringify())
  t.equal(log.stringify(), py)
})
