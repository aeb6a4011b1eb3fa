/**
 * The ImageDescription that makes ImageJ (and Fiji, and tifffile's `imagej` series) read a
 * TIFF as a stack from its first IFD alone: `ImageJ=` first, then `key=value` lines. ImageJ
 * takes `images=` as the page count and reads the pixels as one contiguous block (which is how
 * `TiffLayout` lays them out), `frames=`/`slices=` as the time and z axes, `unit=` with the
 * XResolution/YResolution tags as the pixel size.
 */

/** What the description says about a series. */
export interface ImageJDescription {
  /** Time points (frames of the series). */
  readonly frames: number
  /** Planes per frame (1 for camera frames). */
  readonly depth: number
  /** The resolution tags are pixels per micron. */
  readonly micron?: boolean
  /** z step in microns (for depth > 1). */
  readonly zSpacing?: number
  /** Seconds between frames. */
  readonly frameInterval?: number
  /** Frames of a complete series that are missing (their pages are zeros). */
  readonly missingFrames?: number
}

/** Largest frame count a description is sized for (the PZF frame index is 32-bit). */
export const MAX_DESCRIBED_FRAMES = 0xffffffff

function num (x: number): string {
  // ImageJ parses with Double.parseDouble: plain decimal or exponent notation both work.
  return String(x)
}

/** The ImageJ description text (7-bit ASCII, lines ending in `\n`). */
export function imagejDescription (d: ImageJDescription): string {
  const lines = ['ImageJ=1.11a', `images=${d.frames * d.depth}`]
  if (d.depth > 1) lines.push(`slices=${d.depth}`, `frames=${d.frames}`, 'hyperstack=true')
  else lines.push(`frames=${d.frames}`)
  if (d.micron === true) lines.push('unit=micron')
  if (d.depth > 1 && d.zSpacing !== undefined && Number.isFinite(d.zSpacing) && d.zSpacing > 0) lines.push(`spacing=${num(d.zSpacing)}`)
  if (d.frameInterval !== undefined && Number.isFinite(d.frameInterval) && d.frameInterval > 0) lines.push(`finterval=${num(d.frameInterval)}`)
  lines.push('loop=false')
  if (d.missingFrames !== undefined && d.missingFrames > 0) lines.push(`missing_frames=${d.missingFrames}`)
  return lines.join('\n') + '\n'
}

/**
 * Bytes to reserve for the description of this series whatever its frame count becomes, so
 * that the pixels never move while the series grows.
 */
export function imagejDescriptionCapacity (d: Omit<ImageJDescription, 'frames' | 'missingFrames'>): number {
  const widest = imagejDescription({ ...d, frames: MAX_DESCRIBED_FRAMES, missingFrames: MAX_DESCRIBED_FRAMES })
  // images= is frames x depth: allow its digits too.
  return widest.length + String(MAX_DESCRIBED_FRAMES * Math.max(1, d.depth)).length + 1
}
