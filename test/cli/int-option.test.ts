// The one integer parser of the CLI: decimal digits in range, nothing else.
import t from 'tap'
import { intOption, MAX_TIMER_MS } from '../../lib/cli/int-option.js'
import { parseDemoArgs } from '../../lib/cli/demo-settings.js'

t.test('integers in range are accepted, absent is undefined', async (t) => {
  t.equal(intOption(undefined, 'port', 0, 65535), undefined)
  t.equal(intOption('0', 'port', 0, 65535), 0)
  t.equal(intOption('65535', 'port', 0, 65535), 65535)
  t.equal(intOption('007', 'nodes', 1, 64), 7, 'leading zeros are still decimal')
  t.equal(intOption(String(MAX_TIMER_MS), 'timeout', 1, MAX_TIMER_MS), MAX_TIMER_MS)
})

t.test('anything but a decimal integer in range is refused, naming the option', async (t) => {
  for (const bad of ['', ' 7', '7 ', '-1', '+7', '0x10', '1e3', '12.0', '12.5', 'NaN', 'Infinity', '65536', '99999999999999999999']) {
    t.throws(() => intOption(bad, 'port', 0, 65535), {
      code: 'PYME_ERR_INVALID_ARGUMENT',
      message: `invalid --port '${bad}': expected an integer from 0 to 65535`
    }, JSON.stringify(bad))
  }
  t.throws(() => intOption(String(MAX_TIMER_MS + 1), 'timeout', 1, MAX_TIMER_MS), { message: /--timeout/ },
    'a delay Node would fire at once is refused')
})

t.test('the demo uses the same rules and keeps its defaults', async (t) => {
  const d = parseDemoArgs([])
  t.same([d.width, d.height, d.seed, d.nodes, d.frames, d.workers], [2048, 2048, 1, 1, null, null])
  const e = parseDemoArgs(['--width', '512', '--frames', '30', '--workers', '2', '--nodes', '3', '--seed', '0'])
  t.same([e.width, e.frames, e.workers, e.nodes, e.seed], [512, 30, 2, 3, 0])
  t.throws(() => parseDemoArgs(['--width', '1e3']), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /--width '1e3'/ })
})
