/**
 * File names of a series (PROTOCOL.md §7.1):
 *
 * ```
 * <series>/metadata.json         written first, before any frame
 * <series>/frame00000.pzf        one PZF file per frame n: 'frame%05d.pzf' (frame100000.pzf from 100,000 on)
 * <series>/final_metadata.json   at finalize, after every frame is stored
 * <series>/events.json           last of all: the completion marker readers wait for
 * ```
 */

export const METADATA_FILE = 'metadata.json'
export const FINAL_METADATA_FILE = 'final_metadata.json'
export const EVENTS_FILE = 'events.json'

/** Largest frame index: the PZF header's `FrameNum` is an unsigned 32-bit field. */
export const MAX_FRAME_INDEX = 0xffffffff

const FRAME_NAME = /^frame(\d{5,10})\.pzf$/

/** `'frame%05d.pzf' % n`, as PYME writes and reads it. */
export function frameFileName (n: number): string {
  return `frame${String(n).padStart(5, '0')}.pzf`
}

/**
 * The frame index of a file name written by `frameFileName`, or `undefined` for any other
 * name (including `frame012345.pzf`, which `'%05d'` never produces and PYME never reads).
 */
export function parseFrameFileName (name: string): number | undefined {
  const m = FRAME_NAME.exec(name)
  if (m === null) return undefined
  const n = Number(m[1])
  return n <= MAX_FRAME_INDEX && frameFileName(n) === name ? n : undefined
}
