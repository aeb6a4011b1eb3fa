import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { PzfEncoderPool, encodePzf, type PzfEncodeOptions } from '../../lib/pzf/index.js'
import { ClosedError, DestroyedError, EncodeError, InvalidArgumentError, WorkerError } from '../../lib/errors.js'
import { makeCameraFrame } from '../../lib/internal/camera-simulator.js'
import { sameBytes } from './same-bytes.js'

const filters = new URL('./fixtures/filters.ts', import.meta.url)

function frame (seed = 1): Uint16Array {
  return makeCameraFrame(96, 64, { seed })
}

/** A flag the `block` filter waits on; `release()` lets every blocked worker go. */
function gate (): { arg: { flag: Int32Array }, release: () => void } {
  const flag = new Int32Array(new SharedArrayBuffer(4))
  return { arg: { flag }, release: () => { Atomics.store(flag, 0, 1); Atomics.notify(flag, 0) } }
}

t.test('options: defaults and validation; no thread before the first task', async (t) => {
  const pool = new PzfEncoderPool()
  t.equal(pool.size, Math.max(1, availableParallelism() - 1))
  t.equal(pool.threads, 0)
  t.equal(pool.pending, 0)
  t.equal(pool.saturated, false)
  await pool.ready()
  await pool.close()
  t.throws(() => new PzfEncoderPool({ size: 0 }), InvalidArgumentError)
  t.throws(() => new PzfEncoderPool({ size: 1.5 }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /size/ })
  t.throws(() => new PzfEncoderPool({ maxQueue: -1 }), { message: /maxQueue/ })
  t.throws(() => new PzfEncoderPool(null as never), InvalidArgumentError)
})

// Each worker start costs about a second under the TypeScript loader: tests share pools
// where they can.
const shared = new PzfEncoderPool({ size: 2 })
t.teardown(async () => { await shared.close() })

t.test('encode on the pool equals encodePzf byte for byte', async (t) => {
  const pool = shared
  const variants: PzfEncodeOptions[] = [
    { shape: [96, 64], dimOrder: 'F', frameNum: 3, sequenceId: -5n, timestamp: 1234567.9 },
    { shape: [96, 64], quantization: { offset: 100, scale: 1 } },
    { shape: [96, 64], quantization: { offset: 100, scale: 0.5, pymeExact: true } },
    { shape: [96, 32, 2], compression: 'raw' },
    { shape: [96, 64], compression: 'huffman-chunks', chunks: 3 }
  ]
  const results = await Promise.all(variants.map(async (o, i) => await pool.encode(frame(i), o)))
  for (const [i, o] of variants.entries()) {
    t.ok(sameBytes(results[i] as Uint8Array, encodePzf(frame(i), o)), `variant ${i}`)
    t.equal((results[i] as Uint8Array).byteOffset, 0)
    t.equal((results[i] as Uint8Array).buffer.byteLength, (results[i] as Uint8Array).length, 'a buffer of its own')
  }
  t.ok(pool.threads >= 1 && pool.threads <= 2, `${pool.threads} threads`)
  t.equal(pool.pending, 0)
})

t.test('transfer semantics', async (t) => {
  const pool = shared
  const copied = frame(7)
  const expected = encodePzf(copied, { shape: [96, 64] })
  const a = await pool.encode(copied, { shape: [96, 64] }, { transfer: false })
  t.equal(copied.length, 96 * 64, 'copied input stays usable')
  t.ok(sameBytes(a, expected))

  const moved = frame(7)
  const p = pool.encode(moved, { shape: [96, 64] }, { transfer: true })
  await Promise.resolve()
  t.equal(moved.length, 0, 'transferred input is detached')
  t.ok(sameBytes(await p, expected))

  // Shared memory is shared, never transferred.
  const sab = new Uint16Array(new SharedArrayBuffer(96 * 64 * 2))
  sab.set(frame(7))
  t.ok(sameBytes(await pool.encode(sab, { shape: [96, 64] }, { transfer: true }), expected))
  t.equal(sab.length, 96 * 64)
  await t.rejects(pool.encode(frame(), { shape: [96, 64] }, null as never), InvalidArgumentError)
})

t.test('filters run on workers', async (t) => {
  const pool = shared
  const threads = pool.threads
  const rev = await pool.runFilter(filters, 'reverse', new Uint8Array([1, 2, 3]), 9)
  t.same([...rev], [3, 2, 1, 9])
  const viaPath = await pool.runFilter(fileURLToPath(filters), 'lengthByte', new Uint16Array(10))
  t.same([...viaPath], [20], 'path instead of URL; async filter; uint16 input')
  t.same([...await pool.runFilter(filters.href, 'identity', new Uint8Array([5, 6]), undefined, { transfer: true })], [5, 6])
  await t.rejects(pool.runFilter(filters, 'throws', new Uint8Array(1)), { code: 'PYME_ERR_ENCODE', message: /on purpose/ })
  await t.rejects(pool.runFilter(filters, 'notBytes', new Uint8Array(1)), EncodeError)
  await t.rejects(pool.runFilter(filters, 'notAFunction', new Uint8Array(1)), { message: /no function export/ })
  await t.rejects(pool.runFilter(filters, 'missing', new Uint8Array(1)), EncodeError)
  await t.rejects(pool.runFilter(new URL('./fixtures/no-such-module.ts', import.meta.url), 'x', new Uint8Array(1)), EncodeError)
  await t.rejects(pool.runFilter(filters, 'reverse', new Uint8Array(1), () => 1), { code: 'PYME_ERR_ENCODE', message: /cannot send/ })
  await t.rejects(pool.runFilter('', 'reverse', new Uint8Array(1)), InvalidArgumentError)
  await t.rejects(pool.runFilter(filters, '', new Uint8Array(1)), InvalidArgumentError)
  await t.rejects(pool.runFilter(filters, 'reverse', [1, 2] as never), InvalidArgumentError)
  t.equal(pool.threads, threads, 'task errors do not cost a worker')
  t.same([...await pool.runFilter(filters, 'reverse', new Uint8Array([4]))], [4, 0], 'still serving')
})

t.test('bad encode arguments reject with EncodeError', async (t) => {
  const pool = new PzfEncoderPool({ size: 1 })
  const err = await pool.encode(frame(), { shape: [10, 10] }).catch((e: unknown) => e)
  t.type(err, EncodeError)
  t.match(err, { code: 'PYME_ERR_ENCODE', cause: { code: 'PYME_ERR_INVALID_ARGUMENT' } })
  await t.rejects(pool.encode(new Int16Array(4) as never, { shape: [2, 2] }), EncodeError)
  t.equal(pool.threads, 0, 'refused on the calling thread')
  await pool.close()
})

t.test('saturation and ready()', async (t) => {
  const pool = new PzfEncoderPool({ size: 1, maxQueue: 2 })
  t.teardown(() => pool.destroy())
  const g = gate()
  const first = pool.runFilter(filters, 'block', new Uint8Array(1), g.arg)
  t.equal(pool.pending, 1)
  t.equal(pool.saturated, false)
  const second = pool.encode(frame(), { shape: [96, 64] })
  t.equal(pool.pending, 2)
  t.equal(pool.saturated, true)
  let ready = false
  const r = pool.ready().then(() => { ready = true })
  const third = pool.encode(frame(2), { shape: [96, 64] })
  t.equal(pool.pending, 3, 'maxQueue is a high-water mark: still accepted')
  await Promise.resolve()
  t.equal(ready, false, 'ready() waits while saturated')
  g.release()
  await r
  t.equal(ready, true)
  t.ok(pool.pending < 2)
  t.same([...await first], [1])
  t.ok(sameBytes(await second, encodePzf(frame(), { shape: [96, 64] })))
  await third
  t.equal(pool.pending, 0)
})

t.test('close(): drains, then refuses', async (t) => {
  const pool = new PzfEncoderPool({ size: 1, maxQueue: 2 })
  const g = gate()
  const blocked = pool.runFilter(filters, 'block', new Uint8Array(1), g.arg)
  const queued = [1, 2, 3].map(async (s) => await pool.encode(frame(s), { shape: [96, 64] }))
  const waiter = pool.ready()
  const closing = pool.close()
  t.equal(pool.close(), closing, 'idempotent')
  await t.rejects(waiter, ClosedError, 'ready() waiters are released with ClosedError')
  await t.rejects(pool.encode(frame(), { shape: [96, 64] }), ClosedError)
  await t.rejects(pool.runFilter(filters, 'reverse', new Uint8Array(1)), ClosedError)
  await t.rejects(pool.ready(), ClosedError)
  g.release()
  await closing
  t.same([...await blocked], [1])
  t.equal((await Promise.all(queued)).length, 3, 'queued work finished')
  t.equal(pool.threads, 0, 'workers ended')
  pool.destroy()
  await new PzfEncoderPool().close()
})

t.test('destroy(): rejects pending work at once', async (t) => {
  const pool = new PzfEncoderPool({ size: 1, maxQueue: 1 })
  const g = gate()
  t.teardown(g.release)
  const running = pool.runFilter(filters, 'block', new Uint8Array(1), g.arg)
  const queued = pool.encode(frame(), { shape: [96, 64] })
  const waiter = pool.ready()
  const closing = pool.close()
  pool.destroy()
  pool.destroy()
  await t.rejects(running, DestroyedError)
  await t.rejects(queued, DestroyedError)
  await t.rejects(waiter, ClosedError)
  await closing
  await t.rejects(pool.encode(frame(), { shape: [96, 64] }), DestroyedError)
  await t.rejects(pool.ready(), DestroyedError)
  await t.rejects(pool.close(), DestroyedError)
  t.equal(pool.threads, 0)

  const fresh = new PzfEncoderPool({ size: 1, maxQueue: 1 })
  const g2 = gate()
  const r = fresh.runFilter(filters, 'block', new Uint8Array(1), g2.arg)
  const w = fresh.ready()
  fresh.destroy()
  g2.release()
  await t.rejects(w, DestroyedError)
  await t.rejects(r, DestroyedError)
})

t.test('a crashed worker fails only its task and is replaced', async (t) => {
  const pool = new PzfEncoderPool({ size: 1 })
  t.teardown(() => pool.destroy())
  const ok = pool.encode(frame(), { shape: [96, 64] })
  await t.rejects(pool.runFilter(filters, 'exitWorker', new Uint8Array(1)), { code: 'PYME_ERR_WORKER', message: /code 7/ })
  t.ok(sameBytes(await ok, encodePzf(frame(), { shape: [96, 64] })), 'the other task is unaffected')
  await t.rejects(pool.runFilter(filters, 'crashLater', new Uint8Array(1)), WorkerError)
  const g = gate()
  t.same([...await pool.runFilter(filters, 'crashAfter', new Uint8Array(1), g.arg)], [2], 'answered, now idle')
  t.equal(pool.threads, 1)
  g.release()
  // The pool has no event for this: poll, bounded (at most 10 s).
  for (let i = 0; i < 2000 && pool.threads > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5))
  t.equal(pool.threads, 0, 'the worker that died idle is forgotten')
  // More tasks than the queue's initial ring: it grows.
  const after = await Promise.all(Array.from({ length: 40 }, async (_, s) => await pool.encode(frame(s), { shape: [96, 64] })))
  t.equal(after.length, 40, 'a replacement worker serves')
  t.equal(pool.threads, 1)
  t.equal(pool.pending, 0)
})

t.test('an idle pool does not keep the process alive', async (t) => {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(new URL('./fixtures/idle-pool-child.ts', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  const timer = setTimeout(() => child.kill(), 60_000)
  const [code] = await once(child, 'exit') as [number | null]
  clearTimeout(timer)
  t.equal(code, 0, 'exited by itself')
  t.match(out, /^encoded \d+ bytes/)
})
