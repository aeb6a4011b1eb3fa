/**
 * `SeriesTiff`: what `<series>.tif` is at one moment: the TIFF layout of the frames a reader
 * may read now (every frame of a complete series, the contiguous frames `0..n-1` of one still
 * being written), with the tags metadata can fill (pixel size from `voxelsize.x/y`, the ImageJ
 * description with the frame count), an entity tag and a modification time.
 *
 * A complete series with gaps keeps its time axis: a missing frame is a page of zeros, and the
 * description counts them (`missing_frames=`).
 */
import { createHash } from 'node:crypto'
import type { MetaDataHandler } from '../series/metadata-handler.js'
import type { FrameGeometry } from './frame-pages.js'
import { imagejDescription, imagejDescriptionCapacity, type ImageJDescription } from './imagej-description.js'
import { TiffLayout, toRational } from './tiff-layout.js'

/** The virtual TIFF of a series at one moment. */
export interface SeriesTiff {
  readonly layout: TiffLayout
  /** Frames (time points) in the file; pages = frames x depth. */
  readonly frames: number
  readonly geometry: FrameGeometry
  /** Strong entity tag: changes whenever any byte of the file can. */
  readonly etag: string
  readonly lastModified: Date
}

function positive (mdh: MetaDataHandler, key: string): number | undefined {
  const v = mdh.get(key)
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined
}

/** The description fields a series' metadata gives (not the frame count). */
export function describeSeries (mdh: MetaDataHandler, g: FrameGeometry): Omit<ImageJDescription, 'frames' | 'missingFrames'> & { pixel?: { x: number, y: number } } {
  const x = positive(mdh, 'voxelsize.x')
  const y = positive(mdh, 'voxelsize.y') ?? x
  const z = positive(mdh, 'voxelsize.z')
  const interval = positive(mdh, 'Camera.CycleTime')
  return {
    depth: g.depth,
    ...(x !== undefined && y !== undefined ? { micron: true, pixel: { x, y } } : {}),
    ...(z !== undefined ? { zSpacing: z } : {}),
    ...(interval !== undefined ? { frameInterval: interval } : {})
  }
}

/**
 * Builds the TIFF of `frames` frames (>= 1) of a series. `software` goes into the Software tag;
 * `lastModified` is when this content was first seen.
 */
export function seriesTiff (path: string, mdh: MetaDataHandler, g: FrameGeometry, frames: number, missingFrames: number,
  software: string, lastModified: Date): SeriesTiff {
  const base = describeSeries(mdh, g)
  const { pixel, ...fields } = base
  const description = imagejDescription({ ...fields, frames, missingFrames })
  const layout = new TiffLayout({
    width: g.width,
    height: g.height,
    sampleType: g.dtype,
    pages: frames * g.depth,
    description,
    descriptionCapacity: imagejDescriptionCapacity(fields),
    software,
    ...(pixel === undefined ? {} : { resolution: { x: toRational(1 / pixel.x), y: toRational(1 / pixel.y) } })
  })
  const tag = createHash('sha256')
    .update(JSON.stringify([path, g, frames, missingFrames, description, software, layout.bigTiff]))
    .digest('base64url').slice(0, 22)
  return { layout, frames, geometry: g, etag: `"t-${tag}"`, lastModified }
}
