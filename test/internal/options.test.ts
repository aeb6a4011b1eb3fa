// The options module: one message format for every kind of value, durations bounded as each
// caller states, and unknown keys refused wherever the public API takes an options object.
import t from 'tap'
import {
  booleanOption, byteSizeOption, checkOptionsObject, durationOption, enumError, enumOption, integerOption, numberOption, stringOption
} from '../../lib/internal/options.js'
import { MAX_TIMER_MS } from '../../lib/internal/timer-limit.js'
import { Streamer } from '../../lib/streamer/streamer.js'
import { Cluster } from '../../lib/cluster/cluster.js'
import { NodeDirectory } from '../../lib/discovery/node-directory.js'
import { startDiscovery } from '../../lib/discovery/start-discovery.js'
import { startDataServer } from '../../lib/server/data-server.js'
import { PzfEncoderPool } from '../../lib/pzf/pzf-encoder-pool.js'
import { MemoryBackend } from '../../lib/backends/memory-backend.js'
import { FolderBackend } from '../../lib/backends/folder-backend.js'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'

const bad = { code: 'PYME_ERR_INVALID_ARGUMENT' }

t.test('values: absent takes the default, in range passes, anything else names the option', async (t) => {
  t.equal(integerOption(undefined, 'n', { min: 1, max: 9, default: 3 }), 3)
  t.equal(integerOption(9, 'n', { min: 1, max: 9, default: 3 }), 9)
  for (const v of [0, 10, 1.5, '2', null, NaN]) {
    t.throws(() => integerOption(v, 'n', { min: 1, max: 9, default: 3 }), { ...bad, message: 'invalid n: expected an integer from 1 to 9' }, String(v))
  }
  t.equal(numberOption(0.25, 'x', { min: 0, max: 1, default: 0 }), 0.25)
  t.throws(() => numberOption(Infinity, 'x', { min: 0, max: 1, default: 0 }), { ...bad, message: 'invalid x: expected a number from 0 to 1' })
  t.equal(durationOption(MAX_TIMER_MS, 'waitMs', { min: 0, max: MAX_TIMER_MS, default: 5 }), MAX_TIMER_MS)
  t.throws(() => durationOption(MAX_TIMER_MS + 1, 'waitMs', { min: 0, max: MAX_TIMER_MS, default: 5 }),
    { ...bad, message: `invalid waitMs: expected a duration in ms from 0 to ${MAX_TIMER_MS}` })
  t.throws(() => durationOption(1.5, 'waitMs', { min: 0, max: 600_000, default: 5 }), { ...bad, message: 'invalid waitMs: expected a duration in ms from 0 to 600000' })
  t.throws(() => durationOption(1, 'waitMs', { min: 0, max: MAX_TIMER_MS + 1, default: 5 }), RangeError, 'a caller cannot state a cap above the timer limit')
  t.equal(byteSizeOption(Infinity, 'limit', { min: 1, max: 10, default: 5, infinite: true }), Infinity)
  t.throws(() => byteSizeOption(Infinity, 'limit', { min: 1, max: 10, default: 5 }), { ...bad, message: 'invalid limit: expected a byte count from 1 to 10' })
  t.throws(() => byteSizeOption(0, 'limit', { min: 1, max: 10, default: 5, infinite: true }), { ...bad, message: 'invalid limit: expected a byte count from 1 to 10, or Infinity' })
  t.equal(booleanOption(undefined, 'flag', true), true)
  t.throws(() => booleanOption('yes', 'flag', true), { ...bad, message: 'invalid flag: expected a boolean' })
  t.equal(enumOption('b', 'mode', ['a', 'b', 'c'], 'a'), 'b')
  t.throws(() => enumOption('d', 'mode', ['a', 'b', 'c'], 'a'), { ...bad, message: "invalid mode: expected 'a', 'b' or 'c'" })
  t.throws(() => enumOption('x', 'mode', ['a'], 'a'), { message: "invalid mode: expected 'a'" })
  t.match(enumError('d', ['a', 'b'], 'a function'), { ...bad, message: "invalid d: expected 'a', 'b' or a function" })
  t.equal(stringOption(undefined, 's', undefined), undefined)
  t.throws(() => stringOption('', 's', undefined), { ...bad, message: 'invalid s: expected a non-empty string' })
})

t.test('objects: unknown keys are refused by name', async (t) => {
  checkOptionsObject(undefined, { a: true })
  checkOptionsObject({ a: 1 }, { a: true })
  t.throws(() => checkOptionsObject({ a: 1, b: 2 }, { a: true }), { ...bad, message: "invalid options: unknown option 'b' (known: a)" })
  t.throws(() => checkOptionsObject({ toString: 1 }, { a: true }), { ...bad, message: /unknown option 'toString'/ }, 'inherited names are not options')
  t.throws(() => checkOptionsObject([], { a: true }, 'backoff'), { ...bad, message: 'invalid backoff: expected an object' })
  t.throws(() => checkOptionsObject(null, { a: true }), { ...bad, message: 'invalid options: expected an object' })
})

t.test('every options object of the public API refuses a misspelt key', async (t) => {
  const u = (key: string) => ({ ...bad, message: new RegExp(`unknown option '${key}'`) })
  t.throws(() => new Streamer({ server: ['127.0.0.1:9'] } as never), u('server'), 'Streamer')
  t.throws(() => new Streamer({ servers: ['127.0.0.1:9'], backoff: { min: 5 } } as never), { ...bad, message: /invalid backoff: unknown option 'min'/ }, 'Streamer backoff')
  await t.rejects(Cluster.connect({ servers: ['127.0.0.1:9'], registry: false, env: {}, listTimeout: 5 } as never), u('listTimeout'), 'Cluster')
  await t.rejects(Cluster.connect({ servers: ['127.0.0.1:9'], registry: false, env: {}, localBypass: { root: {} } } as never),
    { ...bad, message: /invalid localBypass: unknown option 'root'/ }, 'Cluster localBypass')
  await t.rejects(startDiscovery({ servers: ['127.0.0.1:9'], registry: false, env: {}, mdns: false, probeInterval: 5 } as never), u('probeInterval'), 'startDiscovery')
  await t.rejects(startDiscovery({ servers: ['127.0.0.1:9'], registry: { file: 'x' }, env: {}, mdns: false } as never), { ...bad, message: /invalid registry: unknown option 'file'/ })
  t.throws(() => new NodeDirectory({ sources: [], cluster: 'c', settle: 5 } as never), u('settle'), 'NodeDirectory')
  const dir = new NodeDirectory({ sources: [], cluster: 'c' })
  await t.rejects(dir.waitForServers({ timeout: 5 } as never), u('timeout'), 'waitForServers')
  await t.rejects(startDataServer({ root: '/nonexistent', prot: 0 } as never), u('prot'), 'startDataServer')
  t.throws(() => new PzfEncoderPool({ threads: 2 } as never), u('threads'), 'PzfEncoderPool')
  t.throws(() => new MemoryBackend({ shape: [4, 4], maxPending: 2 } as never), u('maxPending'), 'MemoryBackend')
  t.throws(() => new FolderBackend({ shape: [4, 4], directory: '/nonexistent/x', fsynch: true } as never), u('fsynch'), 'FolderBackend')
  t.throws(() => new ClusterBackend('a/b.pcs', { shape: [4, 4], server: ['127.0.0.1:9'] } as never), u('server'), 'ClusterBackend')
  t.throws(() => makeCameraFrame(2, 2, { seed: 1, noise: 2 } as never), u('noise'), 'camera simulator')
  t.ok(new MemoryBackend({ shape: [4, 4], name: 's', maxPendingFrames: 2 }), 'known keys pass')
})

t.test('the server caps its durations as stated', async (t) => {
  await t.rejects(startDataServer({ root: '/nonexistent', testDelayMs: 600_001 }), { ...bad, message: 'invalid testDelayMs: expected a duration in ms from 0 to 600000' })
  await t.rejects(startDataServer({ root: '/nonexistent', closeTimeoutMs: MAX_TIMER_MS + 1 }),
    { ...bad, message: `invalid closeTimeoutMs: expected a duration in ms from 0 to ${MAX_TIMER_MS}` })
})
