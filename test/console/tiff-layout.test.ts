/**
 * TiffLayout: classic and BigTIFF files built from the layout are read by libtiff and tifffile;
 * the tail generated piecewise equals the tail generated whole; the switch to BigTIFF at 4 GiB;
 * rationals; bad specs refused.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { InvalidArgumentError } from '../../lib/errors.js'
import { imagejDescription, imagejDescriptionCapacity } from '../../lib/console/imagej-description.js'
import { TiffLayout, toRational, type TiffLayoutSpec } from '../../lib/console/tiff-layout.js'
import { hasProgram, md5, readWithLibtiff, readWithTifffile, tifffilePython } from './console-helpers.js'

/** The whole file of a layout with page p's pixels = (p * 1000 + i) for uint16. */
function materialise (l: TiffLayout): Uint8Array {
  const out = new Uint8Array(l.size)
  out.set(l.head, 0)
  for (let p = 0; p < l.pages; p++) out.set(page(l, p), l.pageOffset(p))
  if (l.pages > 1) out.set(l.tail(l.tailOffset, l.size), l.tailOffset)
  return out
}

function page (l: TiffLayout, p: number): Uint8Array {
  const px = new Uint16Array(l.width * l.height)
  for (let i = 0; i < px.length; i++) px[i] = (p * 1000 + i) & 0xffff
  return new Uint8Array(px.buffer)
}

t.test('classic and BigTIFF read back by libtiff and tifffile', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-tiff-layout-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const python = tifffilePython()
  for (const bigTiff of [false, true]) {
    for (const pages of [1, 5]) {
      const d = { depth: 1, micron: true }
      const l = new TiffLayout({
        width: 7, height: 3, sampleType: 'uint16', pages, bigTiff,
        description: imagejDescription({ ...d, frames: pages }), descriptionCapacity: imagejDescriptionCapacity(d),
        software: 'test', resolution: { x: toRational(1 / 0.1), y: toRational(1 / 0.2) }
      })
      t.equal(l.bigTiff, bigTiff)
      t.equal(l.dataOffset, 4096)
      const file = join(dir, `l-${String(bigTiff)}-${pages}.tif`)
      await writeFile(file, materialise(l))
      if (hasProgram('tiffinfo', ['-h'])) {
        const lt = readWithLibtiff(file)
        t.equal(lt.stderr, '')
        t.equal(lt.directories.length, pages)
        lt.directories.forEach((dd, p) => t.same(dd.strip, Buffer.from(page(l, p))))
        t.match(lt.directories[0]?.text, /Resolution: 10, 5 \(unitless\)/)
      }
      if (python !== undefined) {
        const v = readWithTifffile(python, file)
        t.equal(v.is_bigtiff, bigTiff)
        t.equal(v.pages, pages)
        t.same(v.md5, Array.from({ length: pages }, (_, p) => md5(page(l, p))))
      }
    }
  }
})

t.test('the tail generated in pieces is the tail generated whole', async (t) => {
  for (const bigTiff of [false, true]) {
    const l = new TiffLayout({ width: 5, height: 4, sampleType: 'uint8', pages: 37, bigTiff })
    const whole = l.tail(l.tailOffset, l.size)
    t.equal(whole.length, l.size - l.tailOffset)
    t.equal(whole.length, 36 * l.ifdSize)
    const pieces: Uint8Array[] = []
    for (let at = l.tailOffset; at < l.size; at += 13) pieces.push(l.tail(at, Math.min(l.size, at + 13)))
    t.same(Buffer.concat(pieces), Buffer.from(whole))
    // Page data of an odd size: the tail starts aligned.
    t.equal(l.tailOffset % 8, 0)
    t.equal(l.pageBytes, 20)
  }
})

t.test('pixels never move when the page count changes; BigTIFF from 4 GiB', async (t) => {
  const spec = { width: 2048, height: 2048, sampleType: 'uint16', description: imagejDescription({ depth: 1, frames: 1 }), descriptionCapacity: imagejDescriptionCapacity({ depth: 1 }) } as const
  const small = new TiffLayout({ ...spec, pages: 2 })
  const large = new TiffLayout({ ...spec, pages: 500, description: imagejDescription({ depth: 1, frames: 500 }) })
  t.equal(small.dataOffset, large.dataOffset, 'the description has its room reserved')
  t.equal(large.bigTiff, false, '500 frames of 8 MiB fit a classic TIFF')
  const huge = new TiffLayout({ ...spec, pages: 600 })
  t.equal(huge.bigTiff, true, '600 frames of 8 MiB do not')
  t.ok(huge.size > 2 ** 32)
  // The last IFD of a BigTIFF beyond 4 GiB points at the last page with a 64-bit offset.
  const last = huge.tail(huge.size - huge.ifdSize, huge.size)
  const view = new DataView(last.buffer, last.byteOffset, last.byteLength)
  const count = Number(view.getBigUint64(0, true))
  const strip = [...Array(count).keys()].map((i) => 8 + i * 20).find((at) => view.getUint16(at, true) === 273) as number
  t.equal(Number(view.getBigUint64(strip + 12, true)), huge.pageOffset(599))
  t.equal(Number(view.getBigUint64(8 + count * 20, true)), 0, 'the last IFD ends the chain')
})

t.test('rationals and refused specs', async (t) => {
  t.same(toRational(10), [10, 1])
  t.same(toRational(0.5), [1, 2])
  const r = toRational(1 / 0.065)
  t.ok(Math.abs(r[0] / r[1] - 1 / 0.065) < 1e-9)
  t.same(toRational(2 ** 40), [0xffffffff, 1])
  t.same(toRational(1e-12), [1, 0xffffffff])
  t.throws(() => toRational(0), InvalidArgumentError)
  const base: TiffLayoutSpec = { width: 2, height: 2, sampleType: 'uint16', pages: 1 }
  const bad: Array<Partial<TiffLayoutSpec> | null> = [null, { width: 0 }, { height: 1.5 }, { pages: 0 }, { sampleType: 'int32' as 'uint8' },
    { description: 'Grüße' }, { software: 'a\u0000b' }, { descriptionCapacity: -1 }, { resolution: { x: [1, 0], y: [1, 1] } },
    { resolution: { x: [1, 1], y: [2 ** 32, 1] } }, { width: 2 ** 31, height: 2 ** 31, pages: 2 ** 20 }]
  for (const b of bad) t.throws(() => new TiffLayout(b === null ? (null as unknown as TiffLayoutSpec) : { ...base, ...b }), InvalidArgumentError, JSON.stringify(b))
  const l = new TiffLayout({ ...base, pages: 3 })
  t.throws(() => l.tail(0, 10), InvalidArgumentError)
  t.throws(() => l.tail(l.tailOffset, l.size + 1), InvalidArgumentError)
})
