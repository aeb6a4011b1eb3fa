/**
 * One instance of the PZF WebAssembly kernels (sources: lib/pzf/wasm/) and the views of
 * its memory. The kernels keep their tables at fixed addresses (lib/pzf/wasm/layout.ts,
 * exported as globals and read here); the frame's input and output follow, in regions
 * that grow with the largest frame seen (x2 at a time, never shrunk), so that a steady
 * stream of frames allocates nothing.
 * ```
 *   | fixed tables (1.5 MiB) | input (+ slack) | output (+ slack) |
 *   0                        dynamic            grown x2, kept
 * ```
 * Views are re-made after each growth (growing detaches the old buffer).
 */

/** The part of `WebAssembly.Memory` we use (declared here: not every `lib` setting has the type). */
export interface PzfWasmMemory {
  readonly buffer: ArrayBuffer
  grow (pages: number): number
}

/** An exported constant (`WebAssembly.Global`). */
interface WasmConstant { readonly value: number }

/** The kernels' exports (lib/pzf/wasm/index.ts); every address is a byte offset into `memory`. */
export interface PzfKernelExports {
  readonly memory: PzfWasmMemory
  readonly LUT: WasmConstant
  readonly COUNTS: WasmConstant
  readonly LENS: WasmConstant
  readonly CODES: WasmConstant
  readonly TREE: WasmConstant
  readonly NODE_SYM: WasmConstant
  readonly NODE_A: WasmConstant
  readonly NODE_B: WasmConstant
  readonly DEQUANT: WasmConstant
  readonly FIXED_END: WasmConstant
  reverseBits (ptr: number, n: number): void
  histogramWords (src: number, n: number): void
  histogramBytes (src: number, n: number): void
  histogramLevels (src: number, n: number): void
  foldWordsToBytes (): void
  foldWordsToLevels (): void
  buildPairTable (): void
  buildQuantTable (): void
  encodeStream (mode: number, src: number, n: number, treeLength: number, dst: number): number
  buildDecodeTable (): void
  decodeStream (src: number, srcLength: number, startBit: number, out: number, outLength: number): number
  dequantise (levels: number, n: number, out: number, size: number): void
}

const PAGE = 65536
/** Bytes after each dynamic region that the kernels may touch (unaligned 8- and 16-byte steps). */
const SLACK = 64
/** Largest memory we let the kernels grow to by default; bigger frames take the TypeScript path. */
const MAX_MEMORY = 2 ** 31

export class PzfWasmKernels {
  readonly k: PzfKernelExports
  /** Addresses of the fixed tables the TypeScript side reads or fills. */
  readonly counts: number
  readonly lut: number
  readonly lens: number
  readonly codes: number
  readonly tree: number
  readonly sym: number
  readonly a: number
  readonly b: number
  readonly dequant: number
  /** Start of the dynamic regions. */
  readonly dynamic: number
  /** Memory cap (bytes): a frame needing more takes the TypeScript path. Tests lower it. */
  maxMemory = MAX_MEMORY
  /** Views of the whole memory; re-made after growth. */
  u8: Uint8Array
  i16: Int16Array
  u32: Uint32Array
  f64: Float64Array

  constructor (exports: PzfKernelExports) {
    this.k = exports
    this.counts = exports.COUNTS.value
    this.lut = exports.LUT.value
    this.lens = exports.LENS.value
    this.codes = exports.CODES.value
    this.tree = exports.TREE.value
    this.sym = exports.NODE_SYM.value
    this.a = exports.NODE_A.value
    this.b = exports.NODE_B.value
    this.dequant = exports.DEQUANT.value
    this.dynamic = exports.FIXED_END.value
    this.u8 = new Uint8Array(0)
    this.i16 = new Int16Array(0)
    this.u32 = new Uint32Array(0)
    this.f64 = new Float64Array(0)
    this.ensure(0)
  }

  /**
   * Makes `bytes` of dynamic memory available (growing x2, never shrinking). False when that
   * would pass the memory cap or the engine refuses to grow: the caller takes the
   * TypeScript path.
   */
  ensure (bytes: number): boolean {
    const memory = this.k.memory
    const need = this.dynamic + bytes
    const have = memory.buffer.byteLength
    if (need > have) {
      if (need > this.maxMemory) return false
      const target = Math.min(this.maxMemory, Math.max(need, 2 * have))
      try {
        memory.grow(Math.ceil((target - have) / PAGE))
      /* c8 ignore next 3 -- the engine refusing memory under the cap (out of address space) */
      } catch {
        return false
      }
    }
    if (this.u8.buffer !== memory.buffer) {
      const buffer = memory.buffer
      this.u8 = new Uint8Array(buffer)
      this.i16 = new Int16Array(buffer)
      this.u32 = new Uint32Array(buffer)
      this.f64 = new Float64Array(buffer)
    }
    return true
  }

  /** Size of a dynamic region holding `bytes`, with the kernels' slack, 64-byte aligned. */
  static regionSize (bytes: number): number {
    return Math.ceil((bytes + SLACK) / 64) * 64
  }
}
