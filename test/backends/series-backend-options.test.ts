import t from 'tap'
import { resolveBackendOptions, type SeriesBackendOptions } from '../../lib/backends/series-backend-options.js'
import { PzfEncoderPool } from '../../lib/pzf/pzf-encoder-pool.js'

t.test('defaults', async (t) => {
  const o = resolveBackendOptions({ shape: [64, 32] })
  t.equal(o.width, 64)
  t.equal(o.height, 32)
  t.equal(o.pixels, 2048)
  t.equal(o.dtype, 'uint16')
  t.equal(o.compression, 'huffman')
  t.equal(o.quantization, null)
  t.same(o.seriesShape, [64, 32, 1, -1, 1])
  t.equal(o.declaredFrames, Infinity)
  t.equal(o.dimOrder, 'XYCZT')
  t.ok(Number.isSafeInteger(o.sequenceId) && o.sequenceId > 0)
  t.equal(o.pool, true)
  t.equal(o.transfer, false)
  t.equal(o.maxPendingFrames, 64)
  t.equal(o.maxPendingBytes, 2 ** 28)
  t.not(resolveBackendOptions({ shape: [1, 1] }).sequenceId, o.sequenceId, 'random ids')
})

t.test('the default frame window holds about 256 MiB of large frames, 8 at least', async (t) => {
  t.equal(resolveBackendOptions({ shape: [1024, 1024] }).maxPendingFrames, 64, '2 MiB frames: 64 (128 MiB)')
  t.equal(resolveBackendOptions({ shape: [2048, 2048] }).maxPendingFrames, 32, '8 MiB frames: 32')
  t.equal(resolveBackendOptions({ shape: [2048, 2048], dtype: 'float32' }).maxPendingFrames, 16, 'by bytes, not pixels')
  t.equal(resolveBackendOptions({ shape: [8192, 8192] }).maxPendingFrames, 8, '128 MiB frames: 8 all the same')
  t.equal(resolveBackendOptions({ shape: [2048, 2048], maxPendingFrames: 64 }).maxPendingFrames, 64, 'an explicit window is kept')
})

t.test('explicit values', async (t) => {
  const pool = new PzfEncoderPool({ size: 1 })
  const o = resolveBackendOptions({
    shape: [8, 4], dtype: 'uint16', compression: 'huffman', quantization: { offset: 0, scale: 0.001 },
    seriesShape: [-1, 4, 5, 3, 2], dimOrder: 'XYZTC', sequenceId: 2 ** 53 - 1, pool, transfer: true, maxPendingFrames: 1, maxPendingBytes: 1
  })
  t.same(o.quantization, { offset: 0, scale: 0.001 })
  t.equal(o.declaredFrames, 30)
  t.equal(o.pool, pool)
  t.equal(o.sequenceId, 2 ** 53 - 1)
  t.equal(resolveBackendOptions({ shape: [1, 1], quantization: { offset: 65535, scale: 100 } }).quantization?.scale, 100)
  t.equal(resolveBackendOptions({ shape: [1, 1], pool: false }).pool, false)
  t.equal(resolveBackendOptions({ shape: [1, 1], quantization: null }).quantization, null)
})

t.test('bad options name the option', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [null, /options/],
    [{}, /shape/],
    [{ shape: [1] }, /shape/],
    [{ shape: [0, 1] }, /shape \(width\)/],
    [{ shape: [1, 1.5] }, /shape \(height\)/],
    [{ shape: [2 ** 15, 2 ** 14] }, /2\^28/],
    [{ shape: [1, 1], dtype: 'int16' }, /dtype/],
    [{ shape: [1, 1], compression: 'huffman-chunks' }, /compression/],
    [{ shape: [1, 1], quantization: 5 }, /quantization/],
    [{ shape: [1, 1], quantization: { offset: -1, scale: 1 } }, /quantization\.offset/],
    [{ shape: [1, 1], quantization: { offset: 1e6, scale: 1 } }, /quantization\.offset/],
    [{ shape: [1, 1], quantization: { offset: 100, scale: 0.0009 } }, /quantization\.scale/],
    [{ shape: [1, 1], quantization: { offset: 100, scale: 101 } }, /quantization\.scale/],
    [{ shape: [1, 1], quantization: { offset: 100, scale: NaN } }, /quantization\.scale/],
    [{ shape: [1, 1], quantization: { offset: 100, scale: 1 }, dtype: 'uint8' }, /only uint16/],
    [{ shape: [1, 1], quantization: { offset: 100, scale: 1 }, compression: 'raw' }, /huffman/],
    [{ shape: [1, 1], seriesShape: [1, 1, 1, 1] }, /seriesShape/],
    [{ shape: [1, 1], seriesShape: [1, 1, 0, 1, 1] }, /seriesShape/],
    [{ shape: [1, 1], seriesShape: [2, 1, 1, 1, 1] }, /X and Y/],
    [{ shape: [1, 1], dimOrder: '' }, /dimOrder/],
    [{ shape: [1, 1], sequenceId: 0 }, /sequenceId/],
    [{ shape: [1, 1], sequenceId: 2 ** 53 }, /sequenceId/],
    [{ shape: [1, 1], pool: 'yes' }, /pool/],
    [{ shape: [1, 1], transfer: 1 }, /transfer/],
    [{ shape: [1, 1], maxPendingFrames: 0 }, /maxPendingFrames/],
    [{ shape: [1, 1], maxPendingBytes: -1 }, /maxPendingBytes/]
  ]
  for (const [opts, message] of cases) {
    t.throws(() => resolveBackendOptions(opts as SeriesBackendOptions), { code: 'PYME_ERR_INVALID_ARGUMENT', message }, JSON.stringify(opts))
  }
})

t.test('preallocate: the window\'s frames, at most those declared and 256 MiB; raw frames copied only', async (t) => {
  const frames = (o: Partial<SeriesBackendOptions>): number => resolveBackendOptions({ shape: [2048, 2048], compression: 'raw', ...o }).preallocateFrames
  t.equal(frames({}), 32, '2048x2048 uint16: the default window, 32 frames')
  t.equal(frames({ maxPendingFrames: 500 }), 32, 'a window raised for a spill journal: 256 MiB of it')
  t.equal(frames({ maxPendingFrames: 5 }), 5, 'a smaller window')
  t.equal(frames({ seriesShape: [2048, 2048, 1, 3, 1] }), 3, 'three frames declared')
  t.equal(frames({ shape: [64, 64] }), 64, 'small frames: the default window of 64')
  t.equal(frames({ shape: [8192, 8192], dtype: 'float32' }), 1, 'a frame of 256 MiB: one buffer')
  t.equal(frames({ transfer: true }), 0, 'frames given up are not copied')
  t.equal(frames({ preallocate: false }), 0, 'off')
  t.equal(frames({ compression: 'huffman' }), 0, 'Huffman frames are staged for the encoder')
})
