/**
 * The frame viewer: fetches a frame's PZF file as stored, decodes it here with the project's
 * own decoder (lib/pzf, built for the browser), and draws one plane on a canvas with a linear
 * grey map between min and max (auto-contrast: the 0.1 and 99.9 percentiles of the plane).
 * The canvas carries what it shows in data-* attributes (frame, plane, min, max), which the
 * browser tests read to check its pixels against the known frame.
 */
import { decodePzf, type DecodedPzf } from '../../lib/pzf/browser.js'
import { api } from './api.js'
import { h, replace } from './dom.js'

const LOW = 0.001
const HIGH = 0.999

/** The value at the plane's `LOW` and `HIGH` quantiles (exact min/max for float data). */
export function autoRange (d: DecodedPzf, plane: number): [number, number] {
  const [w, h, depth] = d.shape
  const n = w * h
  const data = d.data
  const at = (i: number): number => d.dimOrder === 'F' ? plane * n + i : (i % w) * h * depth + Math.floor(i / w) * depth + plane
  if (d.dtype === 'float32') {
    let lo = Infinity
    let hi = -Infinity
    for (let i = 0; i < n; i++) {
      const v = data[at(i)] as number
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
    return [lo, hi > lo ? hi : lo + 1]
  }
  const hist = new Uint32Array(d.dtype === 'uint8' ? 256 : 65536)
  for (let i = 0; i < n; i++) {
    const v = data[at(i)] as number
    hist[v] = (hist[v] as number) + 1
  }
  const lowCount = Math.floor(n * LOW)
  const highCount = Math.ceil(n * HIGH)
  let seen = 0
  let lo = 0
  let hi = hist.length - 1
  let foundLo = false
  for (let v = 0; v < hist.length; v++) {
    seen += hist[v] as number
    if (!foundLo && seen > lowCount) { lo = v; foundLo = true }
    if (seen >= highCount) { hi = v; break }
  }
  return [lo, hi > lo ? hi : lo + 1]
}

/** Grey levels of one plane: `round((v - min) * 255 / (max - min))`, clamped to 0..255. */
export function drawPlane (d: DecodedPzf, plane: number, min: number, max: number, out: ImageData): void {
  const [w, h, depth] = d.shape
  const data = d.data
  const px = out.data
  const scale = 255 / (max - min)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = data[d.dimOrder === 'F' ? x + w * (y + h * plane) : plane + depth * (y + h * x)] as number
      let g = Math.round((v - min) * scale)
      g = g < 0 ? 0 : g > 255 ? 255 : g
      const o = (y * w + x) * 4
      px[o] = g
      px[o + 1] = g
      px[o + 2] = g
      px[o + 3] = 255
    }
  }
}

export class FrameViewer {
  readonly element: HTMLElement
  readonly #canvas = h('canvas', { id: 'frame', width: '1', height: '1' })
  readonly #slider = h('input', { type: 'range', min: '0', max: '0', value: '0', id: 'frame-slider', 'aria-label': 'frame' })
  readonly #index = h('input', { type: 'number', min: '0', value: '0', id: 'frame-index', 'aria-label': 'frame index' })
  readonly #plane = h('input', { type: 'number', min: '0', value: '0', id: 'frame-plane', 'aria-label': 'plane' })
  readonly #min = h('input', { type: 'number', id: 'frame-min', step: 'any', 'aria-label': 'minimum' })
  readonly #max = h('input', { type: 'number', id: 'frame-max', step: 'any', 'aria-label': 'maximum' })
  readonly #auto = h('input', { type: 'checkbox', id: 'frame-auto', checked: '' })
  readonly #follow = h('input', { type: 'checkbox', id: 'frame-follow' })
  readonly #status = h('span', { class: 'muted', id: 'frame-status' })
  readonly #path: string
  #frames = 0
  #current = -1
  #decoded: DecodedPzf | null = null
  #token = 0

  constructor (path: string, follow: boolean) {
    this.#path = path
    this.#follow.checked = follow
    const planeBox = h('label', { id: 'plane-box', hidden: '' }, 'plane ', this.#plane)
    this.element = h('div', { class: 'viewer' },
      h('div', { class: 'controls' }, h('label', {}, 'frame '), this.#slider, this.#index, h('span', { class: 'muted', id: 'frame-of' })),
      h('div', { class: 'controls' },
        h('label', {}, this.#auto, ' auto-contrast'),
        h('label', {}, 'min ', this.#min), h('label', {}, 'max ', this.#max), planeBox,
        h('label', {}, this.#follow, ' follow acquisition'), this.#status),
      this.#canvas)
    this.#slider.addEventListener('input', () => { this.#follow.checked = false; this.show(Number(this.#slider.value)) })
    this.#index.addEventListener('change', () => { this.#follow.checked = false; this.show(Number(this.#index.value)) })
    this.#plane.addEventListener('change', () => this.#render())
    const manual = (): void => { this.#auto.checked = false; this.#render() }
    this.#min.addEventListener('change', manual)
    this.#max.addEventListener('change', manual)
    this.#auto.addEventListener('change', () => this.#render())
  }

  get following (): boolean { return this.#follow.checked }

  /** The series has `frames` frames (`0..frames-1` readable); follows to the last one when asked. */
  setFrames (frames: number, complete: boolean): void {
    const grew = frames !== this.#frames
    this.#frames = frames
    this.#slider.max = String(Math.max(0, frames - 1))
    this.#index.max = String(Math.max(0, frames - 1))
    const of = this.element.querySelector('#frame-of')
    if (of !== null) of.textContent = `of ${frames}${complete ? '' : ' so far'}`
    if (frames === 0) {
      this.#status.textContent = 'no frame yet'
      return
    }
    if (this.#current < 0) this.show(this.following ? frames - 1 : 0)
    else if (grew && this.following) this.show(frames - 1)
    if (complete && this.following) this.#follow.checked = false
  }

  /** Fetches, decodes and draws frame `i`. */
  show (i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.#frames) return
    this.#current = i
    this.#slider.value = String(i)
    this.#index.value = String(i)
    const token = ++this.#token
    this.#status.textContent = `loading frame ${i}…`
    this.#canvas.dataset['ready'] = '0'
    api.frame(this.#path, i).then((bytes) => {
      if (token !== this.#token) return
      this.#decoded = decodePzf(bytes)
      this.#canvas.dataset['frame'] = String(i)
      this.#render()
    }).catch((err: unknown) => {
      if (token !== this.#token) return
      this.#status.textContent = `frame ${i}: ${(err as Error).message}`
    })
  }

  #render (): void {
    const d = this.#decoded
    if (d === null) return
    const [w, hgt, depth] = d.shape
    const planeBox = this.element.querySelector('#plane-box')
    if (planeBox !== null) (planeBox as HTMLElement).hidden = depth <= 1
    const plane = Math.min(Math.max(0, Number(this.#plane.value) || 0), depth - 1)
    let min: number
    let max: number
    if (this.#auto.checked) {
      [min, max] = autoRange(d, plane)
      this.#min.value = String(min)
      this.#max.value = String(max)
    } else {
      min = Number(this.#min.value)
      max = Number(this.#max.value)
      if (!Number.isFinite(min)) min = 0
      if (!Number.isFinite(max) || max <= min) max = min + 1
    }
    if (this.#canvas.width !== w || this.#canvas.height !== hgt) {
      this.#canvas.width = w
      this.#canvas.height = hgt
    }
    // Shown as large as the viewer allows (small frames magnified, pixels kept square and sharp).
    const room = Math.max(100, this.element.clientWidth)
    const scale = Math.min(room / w, Math.max(200, window.innerHeight * 0.7) / hgt)
    this.#canvas.style.width = `${Math.max(1, Math.floor(w * scale))}px`
    const ctx = this.#canvas.getContext('2d')
    if (ctx === null) return
    const img = ctx.createImageData(w, hgt)
    drawPlane(d, plane, min, max, img)
    ctx.putImageData(img, 0, 0)
    Object.assign(this.#canvas.dataset, { plane: String(plane), min: String(min), max: String(max), ready: '1' })
    this.#status.textContent = `frame ${d.header.frameNum}: ${w}×${hgt}${depth > 1 ? `×${depth}` : ''} ${d.dtype}, shown ${min}–${max}`
  }
}

/** A placeholder while there is nothing to view. */
export function noViewer (box: HTMLElement, text: string): void {
  replace(box, h('p', { class: 'muted' }, text))
}
