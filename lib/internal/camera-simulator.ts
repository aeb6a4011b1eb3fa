/**
 * Deterministic camera-like uint16 frames for tests, benchmarks and the demo: an sCMOS
 * camera looking at a sparse single-molecule sample. Not a physics simulator, but the
 * statistics that matter to compression are right: an offset of ~100 ADU, shot noise on
 * a background (Gaussian approximation of Poisson), a few bright Gaussian spots with
 * their own shot noise, and read noise.
 *
 * ```
 *   pixel(x, y) = offset + gain * (bg + spots(x, y)) + N(0, gain^2 * (bg + spots) + readNoise^2)
 *   memory: x fastest, rows of constant y (a camera buffer: PZF dimOrder 'F', shape [width, height])
 * ```
 * Same (width, height, seed, frame, ...) → same bytes, on every platform. A 2048x2048
 * frame takes a few tens of milliseconds.
 */
import { InvalidArgumentError } from '../errors.js'
import { checkOptionsObject, integerOption, numberOption } from './options.js'

/** Options of {@link makeCameraFrame}. */
export interface CameraFrameOptions {
  /** Seed of the series (any integer). */
  readonly seed: number
  /** Frame index: same seed, another frame gives other noise and other spots. @default 0 */
  readonly frame?: number
  /** Camera offset in ADU. @default 100 */
  readonly offset?: number
  /** Number of bright spots (fluorophores). @default 1 per 2^17 pixels, at least 3 */
  readonly spots?: number
  /** Background in photons per pixel. @default 10 */
  readonly background?: number
  /** ADU per photon. @default 2 */
  readonly gain?: number
  /** Read noise in ADU (standard deviation). @default 1.5 */
  readonly readNoise?: number
}

const TABLE_BITS = 16
let normals: Float32Array | null = null

/**
 * Quantiles of the standard normal at (i + 0.5) / 2^16: indexing by 16 random bits draws
 * a normal deviate with one load (tails cut at ~4.3 sigma, irrelevant here).
 */
function normalTable (): Float32Array {
  if (normals !== null) return normals
  const n = 1 << TABLE_BITS
  const table = new Float32Array(n)
  for (let i = 0; i < n; i++) table[i] = inverseNormal((i + 0.5) / n)
  return (normals = table)
}

/** Acklam's rational approximation of the normal quantile function (relative error < 1.2e-9). */
function inverseNormal (p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383577518672690e2, -3.066479806614716e1, 2.506628277459239]
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1]
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416]
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number]
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number]
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number]
  const [d0, d1, d2, d3] = d as [number, number, number, number]
  const low = 0.02425
  if (p < low || p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p))
    const x = (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    return p < low ? x : -x
  }
  const q = p - 0.5
  const r = q * q
  return (((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
}

/** 32-bit mix (splitmix32 finaliser) of seed and frame into a non-zero xorshift state. */
function mix (seed: number, frame: number): number {
  let h = (seed ^ Math.imul(frame + 0x9e3779b9, 0x85ebca6b)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d)
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b)
  h = (h ^ (h >>> 16)) >>> 0
  return h === 0 ? 0x6d2b79f5 : h
}

const CAMERA_OPTION_KEYS = {
  seed: true, frame: true, offset: true, spots: true, background: true, gain: true, readNoise: true
} as const satisfies Record<keyof CameraFrameOptions, true>

/**
 * A simulated camera frame of `width * height` uint16 pixels, x fastest.
 * @throws InvalidArgumentError for bad sizes or options.
 */
export function makeCameraFrame (width: number, height: number, options: CameraFrameOptions): Uint16Array {
  if (!Number.isInteger(width) || width < 0 || !Number.isInteger(height) || height < 0 || width * height > 2 ** 30) {
    throw new InvalidArgumentError('invalid frame size: expected integers with width * height <= 2^30')
  }
  if (options === undefined) throw new InvalidArgumentError('invalid options: expected an object with a seed')
  checkOptionsObject(options, CAMERA_OPTION_KEYS)
  const seed = integerOption(options.seed, 'seed', { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, default: undefined })
  if (seed === undefined) throw new InvalidArgumentError('invalid seed: expected an integer')
  const frame = integerOption(options.frame, 'frame', { min: 0, max: 2 ** 32 - 1, default: 0 })
  const offset = numberOption(options.offset, 'offset', { min: 0, max: 60000, default: 100 })
  const spots = Math.floor(numberOption(options.spots, 'spots', { min: 0, max: 1e6, default: Math.max(3, Math.round(width * height / 2 ** 17)) }))
  const background = numberOption(options.background, 'background', { min: 0, max: 1e4, default: 10 })
  const gain = numberOption(options.gain, 'gain', { min: 0, max: 100, default: 2 })
  const readNoise = numberOption(options.readNoise, 'readNoise', { min: 0, max: 1e3, default: 1.5 })
  const z = normalTable()
  const n = width * height
  const out = new Uint16Array(n)
  // +0.5: truncation below rounds to nearest.
  const mean = offset + gain * background + 0.5
  const sd = Math.sqrt(gain * gain * background + readNoise * readNoise)
  let x = mix(seed, frame)
  let i = 0
  for (; i + 1 < n; i += 2) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    const v0 = mean + sd * (z[x & 0xffff] as number)
    const v1 = mean + sd * (z[(x >>> 16) & 0xffff] as number)
    out[i] = v0 < 0 ? 0 : v0 > 65535 ? 65535 : v0
    out[i + 1] = v1 < 0 ? 0 : v1 > 65535 ? 65535 : v1
  }
  if (i < n) {
    const v = mean + sd * (z[x & 0xffff] as number)
    out[i] = v < 0 ? 0 : v > 65535 ? 65535 : v
  }
  if (n > 0) addSpots(out, width, height, spots, gain, x, z)
  return out
}

/** Adds Gaussian spots (sigma 1.4 px, 500-5000 photons) with their shot noise. */
function addSpots (out: Uint16Array, width: number, height: number, count: number, gain: number,
  state: number, z: Float32Array): void {
  let x = state
  const next = (): number => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 4294967296
  }
  const sigma = 1.4
  const r = Math.ceil(4 * sigma)
  const norm = 1 / (2 * Math.PI * sigma * sigma)
  for (let k = 0; k < count; k++) {
    const cx = next() * width
    const cy = next() * height
    const photons = 500 + next() * 4500
    const x0 = Math.max(0, Math.floor(cx) - r)
    const x1 = Math.min(width - 1, Math.floor(cx) + r)
    const y0 = Math.max(0, Math.floor(cy) - r)
    const y1 = Math.min(height - 1, Math.floor(cy) + r)
    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) {
        const dx = px + 0.5 - cx
        const dy = py + 0.5 - cy
        const signal = gain * photons * norm * Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma))
        const noisy = signal + gain * Math.sqrt(signal / (gain || 1)) * (z[Math.floor(next() * 65536)] as number)
        const at = py * width + px
        const v = (out[at] as number) + Math.round(noisy)
        out[at] = v < 0 ? 0 : v > 65535 ? 65535 : v
      }
    }
  }
}
