import { once } from 'node:events'
import t from 'tap'
import { MemoryBackend } from '../../lib/backends/memory-backend.js'
import { decodePzf } from '../../lib/pzf/decode-pzf.js'
import { readPzfHeader } from '../../lib/pzf/format.js'
import { parseEvents } from '../../lib/internal/event-log.js'
import { MetaDataHandler } from '../../lib/series/metadata-handler.js'
import { float } from '../../lib/internal/py-float.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import { bytesOf, cameraFrame, compareReadBack, frameOf } from './frames.js'

const W = 24
const H = 16

t.test('round trip: 300 frames, bit-exact, completion marker last', async (t) => {
  const backend = new MemoryBackend({ shape: [W, H], name: 'jdoe/2024_5_1/1_5_series_A.pcs' })
  const order: string[] = []
  backend.on('stored', (name: string) => order.push(name))
  backend.mdh.set('voxelsize.x', 0.065).set('Camera.ADOffset', 100)
  t.equal(backend.getURL(), 'memory://jdoe/2024_5_1/1_5_series_A.pcs')
  await backend.initialize()
  t.same([...backend.files.keys()], ['metadata.json'], 'metadata.json before any frame')
  backend.logEvent('StartAq')
  const frames: Uint16Array[] = []
  for (let n = 0; n < 300; n++) {
    const f = cameraFrame(W, H, n)
    frames.push(f.slice())
    if (!backend.storeFrame(n, f)) await backend.ready()
    f.fill(0) // the caller reuses its buffer at once
  }
  backend.logEvent('StopAq', 'done', 1716872460.5)
  const report = await backend.finalize()
  t.equal(report.frames, 300)
  t.equal(report.frameCount, 300)
  t.equal(report.files, 303)
  t.equal(report.complete, true)
  t.same(report.failed, [])
  t.same(report.missing, [])
  t.equal(report.sequenceId, backend.sequenceId)
  t.ok(report.bytes > 0 && report.durationMs >= 0)
  t.equal(order[0], 'metadata.json')
  t.same(order.slice(-2), ['final_metadata.json', 'events.json'], 'final metadata, then the completion marker, last')
  t.equal(order.length, 303)

  const md = MetaDataHandler.parse(new TextDecoder().decode(backend.files.get('metadata.json')))
  t.equal(md.get('imageID'), backend.sequenceId)
  t.equal(md.get('DimOrder'), 'XYCZT')
  t.equal(md.get('SizeC'), 1)
  t.equal(md.get('SizeT'), -1)
  t.equal(md.get('SizeZ'), 1)
  t.equal(md.get('pyme-cluster.DataType'), 'uint16')
  t.same(md.get('pyme-cluster.FrameShape'), [W, H])
  t.match(md.get('pyme-cluster.Version'), /^\d+\.\d+\.\d+/)
  t.ok(md.has('StartTime'))
  t.notOk(md.has('EndTime'), 'EndTime only in final_metadata.json')
  const text = new TextDecoder().decode(backend.files.get('metadata.json'))
  t.match(text, /"Camera\.ADOffset": 100\.0,/, 'float keys written as floats')
  const final = MetaDataHandler.parse(new TextDecoder().decode(backend.files.get('final_metadata.json')))
  t.ok(final.has('EndTime'))
  t.equal(final.get('pyme-cluster.FrameCount'), 300)
  t.equal(final.get('pyme-cluster.FramesStored'), 300)
  const events = parseEvents(new TextDecoder().decode(backend.files.get('events.json')))
  t.same(events.map((e) => [e.name, e.description]), [['StartAq', '0'], ['StopAq', 'done']], 'StartAq gets the frame count, as PYMEAcquire does')

  const header = readPzfHeader(backend.files.get('frame00007.pzf') as Uint8Array)
  t.equal(header.dimOrder, 'F', 'camera buffers stored zero-copy as F order')
  t.equal(header.width, W)
  t.equal(header.height, H)
  t.equal(header.frameNum, 7)
  t.equal(header.sequenceId, BigInt(backend.sequenceId), 'sequence id in every frame header')
  t.equal(header.compression, 'huffman')

  const reader = await SeriesReader.fromSource(backend.source)
  t.equal(reader.isComplete, true)
  t.equal(reader.frameCount, 300)
  t.same(await compareReadBack(reader, frames), { read: 300, differing: [] }, 'every frame read back bit for bit')
  t.same((await reader.events()).length, 2)
  await reader.close()
  t.same(await backend.close(), report, 'close() after finalize() gives the same report')
  t.equal(backend.stats().state, 'closed')
})

t.test('every dtype and compression', async (t) => {
  for (const dtype of ['uint8', 'uint16', 'float32'] as const) {
    for (const compression of ['raw', 'huffman'] as const) {
      const backend = new MemoryBackend({ shape: [7, 5], dtype, compression })
      await backend.initialize()
      const frames = [0, 1, 2].map((s) => frameOf(dtype, 7, 5, s))
      frames.forEach((f, n) => backend.storeFrame(n, f))
      await backend.close()
      const bad: number[] = []
      frames.forEach((f, n) => {
        const d = decodePzf(backend.files.get(`frame0000${n}.pzf`) as Uint8Array)
        if (d.dtype !== dtype || d.header.compression !== compression || !bytesOf(d.data).equals(bytesOf(f))) bad.push(n)
      })
      t.same(bad, [], `${dtype} ${compression}`)
    }
  }
})

t.test('quantised series: within the quantiser error', async (t) => {
  const backend = new MemoryBackend({ shape: [W, H], quantization: { offset: 100, scale: 1 } })
  await backend.initialize()
  const frames = Array.from({ length: 20 }, (_, n) => cameraFrame(W, H, n))
  frames.forEach((f, n) => backend.storeFrame(n, f))
  const report = await backend.close()
  t.equal(report.frames, 20)
  const md = MetaDataHandler.parse(new TextDecoder().decode(backend.files.get('metadata.json')))
  t.equal(md.get('pyme-cluster.QuantizationOffset'), 100)
  t.match(new TextDecoder().decode(backend.files.get('metadata.json')), /"pyme-cluster\.QuantizationScale": 1\.0/)
  let worst = 0
  let outOfBound = 0
  frames.forEach((f, n) => {
    const d = decodePzf(backend.files.get(`frame${String(n).padStart(5, '0')}.pzf`) as Uint8Array)
    t.ok(d.header.quantization !== null) || t.fail('quantised')
    for (let i = 0; i < f.length; i++) {
      const v = f[i]!
      const err = Math.abs((d.data[i] as number) - v)
      // Below the offset everything is level 0, read back as the offset; above it, level
      // q = round(sqrt(v - offset)) comes back within one level step.
      const bound = v < 100 ? 100 - v : 2 * Math.sqrt(v - 100) + 2
      if (err > bound) outOfBound++
      worst = Math.max(worst, err)
    }
  })
  t.equal(outOfBound, 0, `every pixel within a quantiser step (worst ${worst} ADU)`)
  t.ok(worst > 0, 'quantisation is lossy, so the check can fail')
})

t.test('bad frames are refused with typed errors; nothing is lost', async (t) => {
  const backend = new MemoryBackend({ shape: [4, 2], seriesShape: [4, 2, 2, 3, 1] })
  t.throws(() => backend.storeFrame(0, new Uint16Array(8)), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /initialize/ })
  await backend.initialize()
  await backend.initialize() // idempotent
  t.ok(backend.storeFrame(0, new Uint16Array(8)))
  t.throws(() => backend.storeFrame(0, new Uint16Array(8)), { code: 'PYME_ERR_DUPLICATE_FRAME', name: 'DuplicateFrameError' })
  t.throws(() => backend.storeFrame(-1, new Uint16Array(8)), { code: 'PYME_ERR_INVALID_FRAME', message: /index -1/ })
  t.throws(() => backend.storeFrame(1.5, new Uint16Array(8)), { code: 'PYME_ERR_INVALID_FRAME' })
  t.throws(() => backend.storeFrame(NaN, new Uint16Array(8)), { code: 'PYME_ERR_INVALID_FRAME' })
  t.throws(() => backend.storeFrame('1' as unknown as number, new Uint16Array(8)), { code: 'PYME_ERR_INVALID_FRAME' })
  t.throws(() => backend.storeFrame(2 ** 32, new Uint16Array(8)), { code: 'PYME_ERR_INVALID_FRAME' })
  t.throws(() => backend.storeFrame(6, new Uint16Array(8)), { code: 'PYME_ERR_INVALID_FRAME', message: /declares 6 frames/ })
  t.throws(() => backend.storeFrame(1, new Uint16Array(7)), { code: 'PYME_ERR_INVALID_FRAME', message: /expected 8 pixels/ })
  t.throws(() => backend.storeFrame(1, new Uint8Array(16)), { code: 'PYME_ERR_INVALID_FRAME', message: /uint16.*Uint8Array/ })
  t.throws(() => backend.storeFrame(1, new Float32Array(8)), { code: 'PYME_ERR_INVALID_FRAME' })
  t.throws(() => backend.storeFrame(1, new Int16Array(8) as unknown as Uint16Array), { code: 'PYME_ERR_INVALID_FRAME' })
  t.throws(() => backend.storeFrame(1, [1, 2] as unknown as Uint16Array), { code: 'PYME_ERR_INVALID_FRAME' })
  t.throws(() => backend.storeFrame(1, null as unknown as Uint16Array), { code: 'PYME_ERR_INVALID_FRAME' })
  t.ok(backend.storeFrame(5, new Uint16Array(8)), 'the last declared index')
  t.ok(backend.storeFrame(1, new Uint16Array(8)), 'a refused index can still be given right')
  const report = await backend.finalize()
  t.equal(report.frames, 3)
  t.equal(report.frameCount, 6)
  t.same(report.missing, [2, 3, 4], 'indices never given are reported')
  t.equal(report.missingCount, 3)
  t.equal(backend.stats().framesAccepted, 3)
  t.throws(() => backend.storeFrame(2, new Uint16Array(8)), { code: 'PYME_ERR_CLOSED' })
  t.throws(() => backend.logEvent('Late'), { code: 'PYME_ERR_CLOSED' })
  await t.rejects(backend.initialize(), { code: 'PYME_ERR_CLOSED' })
  t.equal(await backend.finalize(), report, 'finalize() is idempotent')
  await backend.close()
  t.equal(await backend.finalize(), report, 'finalize() after close() gives the report again')
  const unused = new MemoryBackend({ shape: [2, 2] })
  await unused.close()
  await t.rejects(unused.finalize(), { code: 'PYME_ERR_CLOSED' }, 'a backend closed unused cannot be finalized')
})

t.test('backpressure: false past the window, drain and ready()', async (t) => {
  const backend = new MemoryBackend({ shape: [W, H], maxPendingFrames: 4 })
  await backend.initialize()
  t.equal(await backend.ready(), undefined, 'ready at once while not saturated')
  const results = [0, 1, 2, 3, 4].map((n) => backend.storeFrame(n, cameraFrame(W, H, n)))
  t.same(results, [true, true, true, false, false], 'false once 4 frames are in flight')
  t.equal(backend.stats().needDrain, true)
  t.equal(backend.stats().pendingFrames, 5)
  t.equal(backend.stats().pendingBytes, 0, 'encoded at once on this thread: no pixels held')
  const ready = backend.ready()
  await once(backend, 'drain')
  await ready
  t.equal(backend.stats().needDrain, false)
  // On workers, pixels are held (staged) until encoded: the byte window bounds them.
  const byBytes = new MemoryBackend({ shape: [W, H], maxPendingBytes: W * H * 2 * 2, pool: true })
  await byBytes.initialize()
  t.same([0, 1, 2].map((n) => byBytes.storeFrame(n, cameraFrame(W, H, n))), [true, false, false], 'the byte window too')
  t.equal(byBytes.stats().pendingBytes, 3 * W * H * 2)
  await byBytes.ready()
  await Promise.all([backend.close(), byBytes.close()])
})

t.test('metadata option: a shared handler or a plain object', async (t) => {
  const mdh = new MetaDataHandler().set('Camera.Name', 'Zyla')
  const a = new MemoryBackend({ shape: [2, 2], metadata: mdh, sequenceId: 42, seriesShape: [-1, -1, 1, 10, 1] })
  t.equal(a.mdh, mdh, 'the given handler is the backend mdh')
  t.equal(mdh.get('imageID'), 42)
  t.equal(mdh.get('SizeT'), 10)
  const b = new MemoryBackend({ shape: [2, 2], metadata: { Camera: { Name: 'X' }, EndTime: float(5) } })
  t.equal(b.mdh.get('Camera.Name'), 'X')
  await b.initialize()
  b.logEvent('E', '', 1)
  t.equal(b.events.length, 1)
  await b.close()
  t.equal(b.mdh.get('EndTime'), 5, 'a given EndTime is kept (simulated time)')
  t.throws(() => new MemoryBackend({ shape: [2, 2], name: '' }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /name/ })
  const c = new MemoryBackend({ shape: [2, 2] })
  t.same(await c.close(), { ...(await c.close()) }, 'close() without initialize() releases and reports nothing stored')
  t.equal((await c.close()).files, 0)
  t.throws(() => c.storeFrame(0, new Uint16Array(4)), { code: 'PYME_ERR_CLOSED' })
  const d = new MemoryBackend({ shape: [2, 2] })
  await t.rejects(d.finalize(), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /before initialize/ })
})

t.test('destroy: aborts, no completion marker, later calls refused', async (t) => {
  const backend = new MemoryBackend({ shape: [W, H], maxPendingFrames: 2 })
  await backend.initialize()
  backend.storeFrame(0, cameraFrame(W, H, 0))
  backend.storeFrame(1, cameraFrame(W, H, 1))
  const ready = backend.ready()
  const finalizing = backend.finalize()
  backend.destroy(new Error('camera fell over'))
  backend.destroy() // idempotent
  await t.rejects(ready, { code: 'PYME_ERR_DESTROYED' })
  await t.rejects(finalizing, { code: 'PYME_ERR_DESTROYED' })
  t.notOk(backend.files.has('events.json'), 'no completion marker')
  t.throws(() => backend.storeFrame(2, cameraFrame(W, H, 2)), { code: 'PYME_ERR_DESTROYED' })
  t.throws(() => backend.logEvent('x'), { code: 'PYME_ERR_DESTROYED' })
  await t.rejects(backend.ready(), { code: 'PYME_ERR_DESTROYED' })
  await t.rejects(backend.initialize(), { code: 'PYME_ERR_DESTROYED' })
  await t.rejects(backend.finalize(), { code: 'PYME_ERR_DESTROYED' })
  await t.rejects(backend.close(), { code: 'PYME_ERR_DESTROYED' })
  t.equal(backend.stats().state, 'destroyed')
  const closed = new MemoryBackend({ shape: [2, 2] })
  await closed.close()
  closed.destroy()
  t.equal(closed.stats().state, 'closed', 'destroy after close changes nothing')
})

t.test('encoding on the worker pool gives the same files', async (t) => {
  const inline = new MemoryBackend({ shape: [W, H], sequenceId: 7 })
  const pooled = new MemoryBackend({ shape: [W, H], sequenceId: 7, pool: true, transfer: true })
  await Promise.all([inline.initialize(), pooled.initialize()])
  const given: Uint16Array[] = []
  for (let n = 0; n < 20; n++) {
    inline.storeFrame(n, cameraFrame(W, H, n))
    given.push(cameraFrame(W, H, n))
    pooled.storeFrame(n, given[n]!)
  }
  await Promise.all([inline.close(), pooled.close()])
  t.ok(given.every((f) => f.byteLength === 0), 'transfer: every buffer went to a worker, none was copied')
  let differ = 0
  for (let n = 0; n < 20; n++) {
    const name = `frame000${String(n).padStart(2, '0')}.pzf`
    if (Buffer.compare(inline.files.get(name) as Uint8Array, pooled.files.get(name) as Uint8Array) !== 0) differ++
  }
  t.equal(differ, 0)
})
