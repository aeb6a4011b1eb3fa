/**
 * PYME's PZF vectors, as the repository carries them (test/fixtures/pzf, see its README).
 *
 * Every `.pzf` is stored as PYME wrote it. Pixel files are stored only where they cannot be
 * derived: the inputs of lossy encodes (quantised and `bug_*` cases), gzip-compressed above
 * 64 KiB. Every other pixel file (`NAME.raw`, the input of a lossless case) is the decoded
 * `.pzf` in C order, and is accepted only if its sha256 equals the one PYME's manifest gives:
 * a decoder that goes wrong fails here, loudly, instead of producing its own reference. The
 * reference decode uses the TypeScript codec, so the WebAssembly kernels never vouch for themselves.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { decodePzf, type DecodedPzf } from '../../lib/pzf/decode-pzf.js'

/** Folder of the vectors (a file URL ending in `/`). */
export const VECTORS = new URL('../fixtures/pzf/', import.meta.url)

/** One case of `manifest.json` (its `conventions` block defines each field). */
export interface VectorCase {
  readonly name: string
  readonly pzf: string
  readonly pzf_sha256: string
  readonly raw: string | null
  readonly raw_sha256: string | null
  readonly dtype: 'uint8' | 'uint16' | 'float32' | null
  readonly shape: [number, number, number] | null
  readonly dim_order: 'C' | 'F'
  readonly compression: string
  readonly quantization: string
  readonly offset: number
  readonly scale: number
  readonly sequenceID: string
  readonly frameNum: number
  readonly frameTimestamp: string
  readonly version: number
  readonly data_offset: number
  readonly producer: string
  readonly input_file: string | null
  readonly input_sha256: string | null
  readonly input_dtype: 'uint8' | 'uint16' | 'float32' | null
  readonly input_shape: number[]
  readonly input_memory_order: 'C' | 'F' | 'C+F'
  readonly encode_params: {
    compression: string, quantization: string, quantizationOffset: number, quantizationScale: number,
    sequenceID: string, frameNum: number, frameTimestamp: string
  }
  readonly lossless: boolean
  readonly expect: 'ok' | 'decode_error'
}

let manifest: readonly VectorCase[] | undefined

/** Every case of the manifest, in its order. 64-bit ids and timestamps are strings (JSON numbers would round). */
export function vectorCases (): readonly VectorCase[] {
  manifest ??= (JSON.parse(readFileSync(new URL('manifest.json', VECTORS), 'utf8')
    .replace(/("(?:sequenceID|frameTimestamp)"): (-?\d+)/g, '$1: "$2"')) as { cases: VectorCase[] }).cases
  return manifest
}

/** The case called `name`. */
export function vectorCase (name: string): VectorCase {
  const c = vectorCases().find((v) => v.name === name)
  if (c === undefined) throw new Error(`no PZF vector called ${name}`)
  return c
}

function sha256 (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function checked (bytes: Uint8Array, expected: string | null, what: string): Uint8Array {
  const got = sha256(bytes)
  if (got !== expected) throw new Error(`PZF vector ${what}: sha256 ${got} differs from the manifest's ${String(expected)}`)
  return bytes
}

/** A fresh, aligned copy of a stored file, so that typed-array views of any width fit. */
function stored (file: string): Uint8Array | null {
  const plain = new URL(file, VECTORS)
  if (existsSync(plain)) return new Uint8Array(readFileSync(plain))
  const gz = new URL(`${file}.gz`, VECTORS)
  if (existsSync(gz)) return new Uint8Array(gunzipSync(readFileSync(gz)))
  return null
}

/** The `.pzf` bytes of case `name`, exactly as PYME wrote them (sha256 checked). */
export function readVectorPzf (name: string): Uint8Array {
  const c = vectorCase(name)
  const bytes = stored(c.pzf)
  if (bytes === null) throw new Error(`PZF vector ${c.pzf} is missing from test/fixtures/pzf`)
  return checked(bytes, c.pzf_sha256, c.pzf)
}

/** Decoded pixels in C order of (Width, Height, Depth), the layout of PYME's `.raw` files. */
export function cOrderBytes (f: DecodedPzf): Uint8Array {
  const src = new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength)
  if (f.dimOrder === 'C') return src
  const [w, h, d] = f.shape
  const bpp = f.data.BYTES_PER_ELEMENT
  const out = new Uint8Array(src.length)
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      for (let z = 0; z < d; z++) {
        const from = (x + w * (y + h * z)) * bpp
        out.set(src.subarray(from, from + bpp), ((x * h + y) * d + z) * bpp)
      }
    }
  }
  return out
}

/**
 * `NAME.raw` of case `name`: what PYME's `PZFFormat.loads` returns, C order, little-endian.
 * Derived by decoding the `.pzf` and checked against the manifest's sha256.
 */
export function readVectorRaw (name: string): Uint8Array {
  const c = vectorCase(name)
  if (c.raw === null) throw new Error(`PZF vector ${name} has no .raw (PYME cannot decode it)`)
  return checked(stored(c.raw) ?? cOrderBytes(decodePzf(readVectorPzf(name), { impl: 'js' })), c.raw_sha256, c.raw)
}

/** The input PYME's `dumps` was given for case `name` (C order bytes of `input_shape`), sha256 checked. */
export function readVectorInput (name: string): Uint8Array {
  const c = vectorCase(name)
  if (c.input_file === null) throw new Error(`PZF vector ${name} has no input file`)
  const bytes = stored(c.input_file) ?? (c.lossless ? readVectorRaw(name) : null)
  if (bytes === null) throw new Error(`PZF vector ${c.input_file} is missing from test/fixtures/pzf`)
  return checked(bytes, c.input_sha256, c.input_file)
}
