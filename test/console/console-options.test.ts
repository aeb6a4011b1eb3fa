/**
 * `startConsole`'s options go through the options module: defaults, one message form naming the
 * option, unknown keys refused (a misspelt option must not leave the default in force), and the
 * parts (FrameDecoder, SeriesCatalog, NodeMonitor) refuse unknown keys too.
 */
import t from 'tap'
import { FrameDecoder } from '../../lib/console/frame-decoder.js'
import { NodeMonitor } from '../../lib/console/node-monitor.js'
import { DEFAULT_CONSOLE_PORT, resolveConsoleOptions, type ConsoleOptions } from '../../lib/console/console-options.js'
import { SeriesCatalog } from '../../lib/console/series-catalog.js'
import { InvalidArgumentError } from '../../lib/errors.js'
import { connect, servers } from './console-helpers.js'

t.test('defaults, bounds and unknown keys', async (t) => {
  const [node] = await servers(t, 1)
  const cluster = await connect(t, [node!.url])
  const o = resolveConsoleOptions({ cluster })
  t.match(o, { cluster, host: '127.0.0.1', port: DEFAULT_CONSOLE_PORT, token: undefined, frameCacheBytes: 256 * 1024 * 1024, maxSeries: 256, refreshMs: 1000, settleMs: 1000, statusIntervalMs: 2000, assetsDir: undefined })
  t.equal(o.port, 8080)
  t.equal(o.maxDecodes, o.decodeThreads * 2, 'two frames in flight per decode thread')
  t.ok(o.decodeThreads >= 1 && o.decodeThreads <= 8)
  t.equal(resolveConsoleOptions({ cluster, decodeThreads: 3 }).maxDecodes, 6)

  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ port: 70000 }, /^invalid port: expected an integer from 0 to 65535$/],
    [{ port: '8080' }, /^invalid port: expected an integer/],
    [{ decodeThreads: 0 }, /^invalid decodeThreads: expected an integer from 1 to 64$/],
    [{ maxDecodes: 1.5 }, /^invalid maxDecodes: /],
    [{ frameCacheBytes: -1 }, /^invalid frameCacheBytes: expected a byte count from 0 /],
    [{ refreshMs: 2 ** 31 }, /^invalid refreshMs: expected a duration in ms from 0 to 2147483647$/],
    [{ settleMs: null }, /^invalid settleMs: /],
    [{ statusIntervalMs: 10 }, /^invalid statusIntervalMs: expected a duration in ms from 100 to 3600000$/],
    [{ host: '' }, /^invalid host: expected a non-empty string$/],
    [{ token: 42 }, /^invalid token: expected a non-empty string$/],
    [{ decodeThread: 2 }, /^invalid options: unknown option 'decodeThread' \(known: cluster, host, port, token, decodeThreads, /],
    [{ cluster: {} }, /^invalid cluster: expected a connected Cluster/]
  ]
  for (const [extra, message] of bad) {
    t.throws(() => resolveConsoleOptions({ cluster, ...extra } as unknown as ConsoleOptions), { name: 'InvalidArgumentError', code: 'PYME_ERR_INVALID_ARGUMENT', message }, JSON.stringify(extra))
  }
  for (const [label, notAnObject] of [['null', null], ['a string', 'x'], ['an array', [cluster]], ['undefined', undefined]] as const) {
    t.throws(() => resolveConsoleOptions(notAnObject as unknown as ConsoleOptions), InvalidArgumentError, label)
  }

  t.throws(() => new FrameDecoder({ thread: 1 } as never), { message: /unknown option 'thread'/ })
  t.throws(() => new NodeMonitor(cluster, { interval: 5 } as never), { message: /unknown option 'interval'/ })
  t.throws(() => new NodeMonitor(cluster, { intervalMs: 5 }), { message: /^invalid intervalMs: / })
  t.throws(() => new SeriesCatalog(cluster, { maxseries: 1 } as never), { message: /unknown option 'maxseries'/ })
  t.throws(() => new SeriesCatalog(cluster, { maxSeries: 0 }), { message: /^invalid maxSeries: expected an integer from 1 to 1000000$/ })
})
