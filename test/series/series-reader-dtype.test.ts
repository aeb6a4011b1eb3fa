/**
 * A SeriesReader opened with a `dtype` is typed by it (test/types/series-reader.ts) and holds the
 * series to it: frames of another pixel type are refused, and so is a series whose metadata.json
 * records another type.
 */
import t from 'tap'
import { MemoryBackend } from '../../lib/backends/memory-backend.js'
import { SeriesReader } from '../../lib/series/series-reader.js'
import { cameraFrame, frameOf } from '../backends/frames.js'

const W = 8
const H = 6

async function series (dtype: 'uint16' | 'float32'): Promise<MemoryBackend> {
  const b = new MemoryBackend({ shape: [W, H], dtype, pool: false })
  await b.initialize()
  for (let n = 0; n < 3; n++) b.storeFrame(n, frameOf(dtype, W, H, n))
  await b.finalize()
  return b
}

t.test('frames come out as the dtype asked for', async (t) => {
  const b = await series('uint16')
  const reader = await SeriesReader.fromSource(b.source, { dtype: 'uint16' })
  const f = await reader.getFrame(1)
  t.ok(f.data instanceof Uint16Array)
  t.same([...f.data], [...cameraFrame(W, H, 1)])
  let n = 0
  for await (const frame of reader.frames({ reuse: true })) { t.ok(frame.data instanceof Uint16Array); n++ }
  t.equal(n, 3)
  t.ok((await reader.getFrameInto(2, new Uint16Array(W * H))).data instanceof Uint16Array)
})

t.test('another pixel type is refused with SeriesFormatError', async (t) => {
  const b = await series('float32')
  await t.rejects(SeriesReader.fromSource(b.source, { dtype: 'uint16' }), { code: 'PYME_ERR_SERIES_FORMAT', message: /holds float32 frames, not the uint16 asked for/ })
  // A series that records no type (PYME's): each frame is checked as it is read.
  const files = b.source
  const unrecorded = {
    url: files.url,
    settleMs: 0,
    list: async () => await files.list(),
    exists: async (name: string) => await files.exists(name),
    close: async () => {},
    read: async (name: string) => name === 'metadata.json' ? new TextEncoder().encode('{"SizeT": 3}') : await files.read(name)
  }
  const reader = await SeriesReader.fromSource(unrecorded, { dtype: 'uint16' })
  await t.rejects(reader.getFrame(0), { code: 'PYME_ERR_SERIES_FORMAT', message: /frame 0 of .* is float32, not the uint16 asked for/ })
  await t.rejects(SeriesReader.fromSource(files, { dtype: 'int32' as 'uint16' }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /invalid dtype/ })
})
