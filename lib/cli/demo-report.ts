import type { Throughput } from '../backends/throughput-meter.js'

/**
 * What the demo prints: the live progress line and the summary with the camera table.
 * Camera data rates are pixel bytes per second at full frame and full speed, from the
 * vendors' published specifications (datasheets; the Zyla 4.2 figure also in Andor's manual,
 * "Sensor Readout Optimisation": 2048 x 2048, rolling shutter, 16-bit, 100 fps).
 */

/** A camera the demo compares its measured rate with. */
export interface CameraSpec {
  readonly name: string
  readonly width: number
  readonly height: number
  readonly fps: number
  readonly bytesPerPixel: number
  /** Where the numbers come from. */
  readonly source: string
}

/** Scientific cameras a PYME rig streams from (vendor spec). */
export const CAMERAS: readonly CameraSpec[] = [
  { name: 'Hamamatsu ORCA-Flash4.0 V3', width: 2048, height: 2048, fps: 100, bytesPerPixel: 2, source: 'vendor spec (Camera Link, 16-bit)' },
  { name: 'Andor Zyla 4.2 PLUS', width: 2048, height: 2048, fps: 100, bytesPerPixel: 2, source: 'vendor spec (10-tap Camera Link, 16-bit)' },
  { name: 'Hamamatsu ORCA-Fusion', width: 2304, height: 2304, fps: 89.1, bytesPerPixel: 2, source: 'vendor spec (CoaXPress, standard scan)' },
  { name: 'Hamamatsu ORCA-Quest 2', width: 4096, height: 2304, fps: 120, bytesPerPixel: 2, source: 'vendor spec (CoaXPress, standard scan)' },
  { name: 'Teledyne Kinetix (8-bit)', width: 3200, height: 3200, fps: 500, bytesPerPixel: 1, source: 'vendor spec (speed mode, 8-bit)' }
]

/** Bytes per second a camera produces. */
export function cameraBytesPerSecond (c: CameraSpec): number {
  return c.width * c.height * c.bytesPerPixel * c.fps
}

/** What the demo measured, for the verdicts. */
export interface MeasuredRate {
  /** Pixel bytes per second stored end to end (camera to acknowledged on a data server). */
  readonly rawBytesPerSecond: number
  /** The camera was paced (not `--rate max`) and the pipeline kept up with it. */
  readonly keptPace: boolean
}

/** One row of the camera table. */
export interface CameraVerdict {
  readonly camera: string
  readonly size: string
  readonly fps: number
  readonly megabytesPerSecond: number
  readonly verdict: 'sustained' | 'not sustained' | 'not measured'
  readonly source: string
}

/**
 * Sustained when the measured end-to-end rate reaches the camera's. A paced run that kept up
 * only shows the paced rate: faster cameras are "not measured" (run with `--rate max`).
 */
export function cameraVerdicts (m: MeasuredRate): CameraVerdict[] {
  return CAMERAS.map((c) => {
    const need = cameraBytesPerSecond(c)
    const verdict = m.rawBytesPerSecond >= need ? 'sustained' : m.keptPace ? 'not measured' : 'not sustained'
    return { camera: c.name, size: `${c.width}x${c.height}`, fps: c.fps, megabytesPerSecond: need / 1e6, verdict, source: c.source }
  })
}

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function formatTable (head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells.map((s, c) => (c === 0 ? s.padEnd(widths[c] as number) : s.padStart(widths[c] as number))).join('  ').trimEnd()
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n'
}

/** `12.3 MB/s`-style figures. */
export function mb (bytes: number): string {
  return (bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)
}

/** The state shown by the progress line. */
export interface DemoProgress {
  readonly elapsedS: number
  readonly frames: number
  /** Frames due so far (paced runs) or planned; null when open-ended. */
  readonly target: number | null
  readonly stored: number
  /** The backend's recent rates (`stats().rate`): what an application shows too. */
  readonly rate: Throughput
  /** Frames accepted and not yet stored. */
  readonly pending: number
  readonly dropped: number
}

/** The rates as the demo prints them: `12.0 fps  24.6 MB/s raw  10.2 MB/s wire  ratio 2.41`. */
export function rateText (r: Throughput): string {
  const ratio = r.wireBytesPerSecond > 0 ? (r.rawBytesPerSecond / r.wireBytesPerSecond).toFixed(2) : '-'
  return `${r.framesPerSecond.toFixed(1)} fps  ${mb(r.rawBytesPerSecond)} MB/s raw  ${mb(r.wireBytesPerSecond)} MB/s wire  ratio ${ratio}`
}

/** One progress line (no line end). */
export function progressLine (p: DemoProgress): string {
  const of = p.target === null ? '' : `/${p.target}`
  return `${p.elapsedS.toFixed(1).padStart(5)} s  frames ${p.frames}${of}  stored ${p.stored}  ${rateText(p.rate)}  queue ${p.pending}  dropped ${p.dropped}`
}
