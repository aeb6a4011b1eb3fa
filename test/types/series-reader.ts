/**
 * Type-level tests (compiled by `npm run typecheck`, never run): a `SeriesReader` opened with a
 * `dtype` gives frames of that pixel type without a cast; without one, `data` is the union to
 * narrow. Lines marked `@ts-expect-error` are misuse that must not compile.
 */
import { SeriesReader, type DecodedPzf, type PzfPixels, type PzfPixelsOf } from 'pyme-cluster'

declare function use (...values: unknown[]): void

const u16 = await SeriesReader.open('PYME-CLUSTER:///jdoe/s.pcs', { dtype: 'uint16' })
const frame = await u16.getFrame(0)
const pixels: Uint16Array = frame.data
// @ts-expect-error a uint16 series gives no Float32Array
const wrong: Float32Array = frame.data
for await (const f of u16.frames({ reuse: true })) {
  const p: Uint16Array = f.data
  use(p)
}
const into: DecodedPzf<Uint16Array> = await u16.getFrameInto(1, new Uint16Array(64))
// @ts-expect-error the target must be of the series' pixel type
await u16.getFrameInto(1, new Float32Array(64))

const f32 = await SeriesReader.open('/data/series', { dtype: 'float32' })
const floats: Float32Array = (await f32.getFrame(0)).data
const u8: SeriesReader<Uint8Array> = await SeriesReader.open('/data/series', { dtype: 'uint8' })

const any = await SeriesReader.open('/data/series')
const data: PzfPixels = (await any.getFrame(0)).data
// @ts-expect-error without a dtype the pixels are a union: narrow them first
const notNarrowed: Uint16Array = (await any.getFrame(0)).data
if (data instanceof Uint16Array) use(data satisfies Uint16Array)
// @ts-expect-error a reader of any pixel type is not a uint16 reader
const claimed: SeriesReader<Uint16Array> = any
// @ts-expect-error not a PZF pixel type
await SeriesReader.open('/data/series', { dtype: 'int32' })

const mapped: PzfPixelsOf<'uint16'> = new Uint16Array(1)
use(pixels, wrong, into, floats, u8, notNarrowed, claimed, mapped)
