/**
 * `TiffLayout`: the bytes of a multi-page grey-scale TIFF whose pages all have one size, laid
 * out the way ImageJ writes stacks, so that every byte's place is known before any pixel is:
 *
 * ```
 *  classic TIFF (file < 4 GiB)                BigTIFF (otherwise)
 *  0          'II' 42, IFD0 at 8              'II' 43 8 0, IFD0 at 16
 *  8 / 16     IFD0: every tag, and the ImageDescription (ImageJ reads a stack from IFD0 alone)
 *             description (reserved capacity), software, resolution rationals
 *  dataOffset page 0 | page 1 | ... | page n-1     contiguous pixels (4096-aligned start)
 *  tailOffset IFD 1 | IFD 2 | ... | IFD n-1        one fixed size each: IFD k at tailOffset + (k-1)*ifdSize
 * ```
 *
 * `dataOffset` does not depend on the page count (the description has a reserved capacity), so
 * page k of a growing stack stays where it was: a reader that learnt the layout from IFD0 reads
 * the same pixels whatever the count is now. Everything is little-endian, one strip per page,
 * uncompressed (TIFF 6.0; BigTIFF: Aperio/libtiff's 64-bit variant).
 */
import { InvalidArgumentError } from '../errors.js'

/** Pixel types a page can hold. */
export type TiffSampleType = 'uint8' | 'uint16' | 'float32'

/** A rational (numerator, denominator), both unsigned 32-bit. */
export type TiffRational = readonly [number, number]

/** What the TIFF holds. */
export interface TiffLayoutSpec {
  readonly width: number
  readonly height: number
  readonly sampleType: TiffSampleType
  /** Number of pages (>= 1). */
  readonly pages: number
  /** ImageDescription of IFD0 (7-bit ASCII). */
  readonly description?: string
  /** Bytes reserved for the description (with its NUL), so that `dataOffset` does not move when it changes length. */
  readonly descriptionCapacity?: number
  /** Software tag of IFD0 (7-bit ASCII). */
  readonly software?: string
  /** Pixels per resolution unit in x and y (ResolutionUnit is NONE: ImageJ's convention, the unit is in the description). */
  readonly resolution?: { readonly x: TiffRational, readonly y: TiffRational }
  /** Write BigTIFF even when a classic TIFF would do. @default false */
  readonly bigTiff?: boolean
}

const SHORT = 3
const LONG = 4
const RATIONAL = 5
const ASCII = 2
const LONG8 = 16
const TYPE_SIZE: Readonly<Record<number, number>> = { [ASCII]: 1, [SHORT]: 2, [LONG]: 4, [RATIONAL]: 8, [LONG8]: 8 }

const TAG_NEW_SUBFILE_TYPE = 254
const TAG_IMAGE_WIDTH = 256
const TAG_IMAGE_LENGTH = 257
const TAG_BITS_PER_SAMPLE = 258
const TAG_COMPRESSION = 259
const TAG_PHOTOMETRIC = 262
const TAG_IMAGE_DESCRIPTION = 270
const TAG_STRIP_OFFSETS = 273
const TAG_SAMPLES_PER_PIXEL = 277
const TAG_ROWS_PER_STRIP = 278
const TAG_STRIP_BYTE_COUNTS = 279
const TAG_X_RESOLUTION = 282
const TAG_Y_RESOLUTION = 283
const TAG_RESOLUTION_UNIT = 296
const TAG_SOFTWARE = 305
const TAG_SAMPLE_FORMAT = 339

const BITS: Readonly<Record<TiffSampleType, number>> = { uint8: 8, uint16: 16, float32: 32 }
const SAMPLE_FORMAT: Readonly<Record<TiffSampleType, number>> = { uint8: 1, uint16: 1, float32: 3 }
const CLASSIC_MAX = 0xffffffff
const DATA_ALIGN = 4096
const ASCII_ONLY = /^[\x01-\x7f]*$/

interface Entry {
  readonly tag: number
  readonly type: number
  readonly count: number
  /** An integer (SHORT, LONG, LONG8), bytes (ASCII, RATIONAL), or `'strip'` (StripOffsets, patched per page). */
  readonly value: number | Uint8Array | 'strip'
}

/** Writes an unsigned integer below 2^53 as 64-bit little-endian. */
function setU64 (view: DataView, at: number, v: number): void {
  view.setUint32(at, v % 0x1_0000_0000, true)
  view.setUint32(at + 4, Math.floor(v / 0x1_0000_0000), true)
}

function rationalBytes (r: TiffRational): Uint8Array {
  const out = new Uint8Array(8)
  const view = new DataView(out.buffer)
  view.setUint32(0, r[0], true)
  view.setUint32(4, r[1], true)
  return out
}

function asciiBytes (text: string, capacity: number): Uint8Array {
  const out = new Uint8Array(Math.max(capacity, text.length + 1))
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i)
  return out
}

function roundUp (n: number, to: number): number {
  return Math.ceil(n / to) * to
}

function checkRational (r: TiffRational | undefined, name: string): void {
  if (r === undefined || !Array.isArray(r) || r.length !== 2 ||
      !r.every((v) => Number.isInteger(v) && v >= 0 && v <= CLASSIC_MAX) || r[1] === 0) {
    throw new InvalidArgumentError(`invalid resolution.${name}: expected [numerator, denominator] of unsigned 32-bit integers, denominator > 0`)
  }
}

/** The best `[num, den]` below 2^32 for a positive finite number (continued fractions). */
export function toRational (x: number): TiffRational {
  if (!Number.isFinite(x) || x <= 0) throw new InvalidArgumentError('invalid rational value: expected a positive finite number')
  if (x >= CLASSIC_MAX) return [CLASSIC_MAX, 1]
  // Convergents h/k of the continued fraction of x, while both fit in 32 bits.
  let [h0, h1, k0, k1] = [0, 1, 1, 0]
  let rest = x
  for (let i = 0; i < 64; i++) {
    const a = Math.floor(rest)
    const h2 = a * h1 + h0
    const k2 = a * k1 + k0
    if (h2 > CLASSIC_MAX || k2 > CLASSIC_MAX) break
    ;[h0, h1, k0, k1] = [h1, h2, k1, k2]
    const frac = rest - a
    if (frac < 1e-12 || Math.abs(h1 / k1 - x) <= Number.EPSILON * x) break
    rest = 1 / frac
  }
  // Below 1/2^32 the best fraction is 0/1, which readers take as no resolution: the smallest positive one instead.
  return h1 === 0 ? [1, CLASSIC_MAX] : [h1, k1]
}

export class TiffLayout {
  /** True for the 64-bit variant (files of 4 GiB or more). */
  readonly bigTiff: boolean
  readonly width: number
  readonly height: number
  readonly sampleType: TiffSampleType
  readonly pages: number
  /** Bytes of one page. */
  readonly pageBytes: number
  /** Where page 0 starts. */
  readonly dataOffset: number
  /** Where IFD 1 starts (the end of the file when there is one page). */
  readonly tailOffset: number
  /** Bytes of each IFD after the first. */
  readonly ifdSize: number
  /** Total length of the file. */
  readonly size: number
  readonly #head: Uint8Array
  readonly #template: Uint8Array
  readonly #stripAt: number
  readonly #nextAt: number

  constructor (spec: TiffLayoutSpec) {
    if (spec === null || typeof spec !== 'object') throw new InvalidArgumentError('invalid TIFF layout: expected an object')
    const { width, height, pages } = spec
    for (const [name, v, max] of [['width', width, 0x7fffffff], ['height', height, 0x7fffffff], ['pages', pages, Number.MAX_SAFE_INTEGER]] as const) {
      if (!Number.isSafeInteger(v) || v < 1 || v > max) throw new InvalidArgumentError(`invalid ${name}: expected an integer >= 1`)
    }
    const bits = BITS[spec.sampleType]
    if (bits === undefined) throw new InvalidArgumentError('invalid sampleType: expected uint8, uint16 or float32')
    const description = spec.description
    const software = spec.software
    for (const [name, text] of [['description', description], ['software', software]] as const) {
      if (text !== undefined && (typeof text !== 'string' || !ASCII_ONLY.test(text))) {
        throw new InvalidArgumentError(`invalid ${name}: expected 7-bit ASCII text without NUL`)
      }
    }
    const capacity = spec.descriptionCapacity ?? 0
    if (!Number.isSafeInteger(capacity) || capacity < 0) throw new InvalidArgumentError('invalid descriptionCapacity: expected an integer >= 0')
    if (spec.resolution !== undefined) {
      checkRational(spec.resolution.x, 'x')
      checkRational(spec.resolution.y, 'y')
    }
    this.width = width
    this.height = height
    this.pages = pages
    this.sampleType = spec.sampleType
    this.pageBytes = width * height * (bits / 8)
    if (!Number.isSafeInteger(this.pageBytes * pages)) throw new InvalidArgumentError('invalid TIFF layout: too large')

    const plan = (big: boolean): Plan => planLayout(this, big, description, capacity, software, spec.resolution)
    let p = plan(spec.bigTiff === true)
    if (!p.big && p.size > CLASSIC_MAX) p = plan(true)
    this.bigTiff = p.big
    this.dataOffset = p.dataOffset
    this.tailOffset = p.tailOffset
    this.ifdSize = p.ifdSize
    this.size = p.size
    this.#head = p.head
    this.#template = p.template
    this.#stripAt = p.stripAt
    this.#nextAt = p.nextAt
  }

  /** The bytes before the pixels, `[0, dataOffset)`. A shared view: do not modify. */
  get head (): Uint8Array {
    return this.#head
  }

  /** File offset of page `p`. */
  pageOffset (p: number): number {
    return this.dataOffset + p * this.pageBytes
  }

  /** The bytes `[start, end)` of the IFDs after the pixels (`tailOffset <= start < end <= size`), built now. */
  tail (start: number, end: number): Uint8Array {
    if (!(start >= this.tailOffset && end <= this.size && start < end)) {
      throw new InvalidArgumentError(`invalid TIFF tail range ${start}-${end}: the tail is ${this.tailOffset}-${this.size}`)
    }
    const first = Math.floor((start - this.tailOffset) / this.ifdSize) + 1
    const last = Math.floor((end - 1 - this.tailOffset) / this.ifdSize) + 1
    const out = new Uint8Array((last - first + 1) * this.ifdSize)
    const view = new DataView(out.buffer)
    for (let k = first, at = 0; k <= last; k++, at += this.ifdSize) {
      out.set(this.#template, at)
      const strip = this.dataOffset + k * this.pageBytes
      const next = k < this.pages - 1 ? this.tailOffset + k * this.ifdSize : 0
      if (this.bigTiff) {
        setU64(view, at + this.#stripAt, strip)
        setU64(view, at + this.#nextAt, next)
      } else {
        view.setUint32(at + this.#stripAt, strip, true)
        view.setUint32(at + this.#nextAt, next, true)
      }
    }
    const from = start - (this.tailOffset + (first - 1) * this.ifdSize)
    return out.subarray(from, from + (end - start))
  }
}

interface Plan {
  readonly big: boolean
  readonly dataOffset: number
  readonly tailOffset: number
  readonly ifdSize: number
  readonly size: number
  readonly head: Uint8Array
  readonly template: Uint8Array
  readonly stripAt: number
  readonly nextAt: number
}

function planLayout (l: TiffLayout, big: boolean, description: string | undefined, capacity: number, software: string | undefined,
  resolution: TiffLayoutSpec['resolution']): Plan {
  const shared: Entry[] = [
    { tag: TAG_NEW_SUBFILE_TYPE, type: LONG, count: 1, value: 0 },
    { tag: TAG_IMAGE_WIDTH, type: LONG, count: 1, value: l.width },
    { tag: TAG_IMAGE_LENGTH, type: LONG, count: 1, value: l.height },
    { tag: TAG_BITS_PER_SAMPLE, type: SHORT, count: 1, value: BITS[l.sampleType] },
    { tag: TAG_COMPRESSION, type: SHORT, count: 1, value: 1 },
    { tag: TAG_PHOTOMETRIC, type: SHORT, count: 1, value: 1 },
    { tag: TAG_STRIP_OFFSETS, type: big ? LONG8 : LONG, count: 1, value: 'strip' },
    { tag: TAG_SAMPLES_PER_PIXEL, type: SHORT, count: 1, value: 1 },
    { tag: TAG_ROWS_PER_STRIP, type: LONG, count: 1, value: l.height },
    { tag: TAG_STRIP_BYTE_COUNTS, type: big ? LONG8 : LONG, count: 1, value: l.pageBytes },
    { tag: TAG_SAMPLE_FORMAT, type: SHORT, count: 1, value: SAMPLE_FORMAT[l.sampleType] }
  ]
  if (resolution !== undefined) {
    shared.push(
      { tag: TAG_X_RESOLUTION, type: RATIONAL, count: 1, value: rationalBytes(resolution.x) },
      { tag: TAG_Y_RESOLUTION, type: RATIONAL, count: 1, value: rationalBytes(resolution.y) },
      { tag: TAG_RESOLUTION_UNIT, type: SHORT, count: 1, value: 1 }
    )
  }
  const first: Entry[] = [...shared]
  if (description !== undefined) first.push({ tag: TAG_IMAGE_DESCRIPTION, type: ASCII, count: description.length + 1, value: asciiBytes(description, capacity) })
  if (software !== undefined) first.push({ tag: TAG_SOFTWARE, type: ASCII, count: software.length + 1, value: asciiBytes(software, 0) })
  first.sort((a, b) => a.tag - b.tag)
  shared.sort((a, b) => a.tag - b.tag)

  const inline = big ? 8 : 4
  const entrySize = big ? 20 : 12
  const ifdBytes = (n: number): number => big ? 8 + n * entrySize + 8 : 2 + n * entrySize + 4
  const ifd0At = big ? 16 : 8
  // Out-of-line values of IFD0 follow it, each 8-aligned; IFDs 1.. point at the same bytes.
  const outOfLine = new Map<number, number>()
  let extra = ifd0At + ifdBytes(first.length)
  for (const e of first) {
    if (typeof e.value === 'object' && e.value.length > inline) {
      extra = roundUp(extra, 8)
      outOfLine.set(e.tag, extra)
      extra += e.value.length
    }
  }
  const dataOffset = roundUp(extra, DATA_ALIGN)
  const dataEnd = dataOffset + l.pages * l.pageBytes
  const ifdSize = ifdBytes(shared.length)
  const tailOffset = roundUp(dataEnd, 8)
  const size = l.pages > 1 ? tailOffset + (l.pages - 1) * ifdSize : dataEnd

  const head = new Uint8Array(dataOffset)
  const hv = new DataView(head.buffer)
  head[0] = 0x49
  head[1] = 0x49
  if (big) {
    hv.setUint16(2, 43, true)
    hv.setUint16(4, 8, true)
    setU64(hv, 8, ifd0At)
  } else {
    hv.setUint16(2, 42, true)
    hv.setUint32(4, ifd0At, true)
  }
  const write = (target: Uint8Array, view: DataView, at: number, entries: readonly Entry[], next: number): { stripAt: number, nextAt: number } => {
    let pos = at
    if (big) { setU64(view, pos, entries.length); pos += 8 } else { view.setUint16(pos, entries.length, true); pos += 2 }
    let stripAt = -1
    for (const e of entries) {
      view.setUint16(pos, e.tag, true)
      view.setUint16(pos + 2, e.type, true)
      if (big) setU64(view, pos + 4, e.count)
      else view.setUint32(pos + 4, e.count, true)
      const valueAt = pos + (big ? 12 : 8)
      if (e.value === 'strip') {
        stripAt = valueAt - at
        if (big) setU64(view, valueAt, dataOffset)
        else view.setUint32(valueAt, dataOffset, true)
      } else if (typeof e.value === 'number') {
        const bytes = (TYPE_SIZE[e.type] as number) * e.count
        if (bytes === 2) view.setUint16(valueAt, e.value, true)
        else if (bytes === 4) view.setUint32(valueAt, e.value, true)
        else setU64(view, valueAt, e.value)
      } else if (e.value.length <= inline) {
        target.set(e.value, valueAt)
      } else {
        const where = outOfLine.get(e.tag) as number
        if (big) setU64(view, valueAt, where)
        else view.setUint32(valueAt, where, true)
      }
      pos += entrySize
    }
    const nextAt = pos - at
    if (big) setU64(view, pos, next)
    else view.setUint32(pos, next, true)
    return { stripAt, nextAt }
  }
  write(head, hv, ifd0At, first, l.pages > 1 ? tailOffset : 0)
  for (const e of first) {
    const where = outOfLine.get(e.tag)
    if (where !== undefined && typeof e.value === 'object') head.set(e.value, where)
  }
  const template = new Uint8Array(ifdSize)
  const { stripAt, nextAt } = write(template, new DataView(template.buffer), 0, shared, 0)
  return { big, dataOffset, tailOffset, ifdSize, size, head, template, stripAt, nextAt }
}
