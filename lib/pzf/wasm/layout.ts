/**
 * Fixed layout of the kernels' memory: the tables live at constant addresses, so the hot
 * loops address them with an immediate offset instead of spending a register on each
 * base (the engine's register allocator has few to spare). The frame's input and output
 * follow at `FIXED_END`; their addresses are arguments. JS reads these exports
 * (lib/pzf/pzf-wasm-kernels.ts). `asc --memoryBase` puts any static data after them.
 * ```
 *   0        1 MiB        +512 KiB  +64 KiB
 *   | HIST   | WORD_TABLE | LUT     | COUNTS SCRATCH PREP LENS CODES TREE NODE_* DECODE_* DEQUANT | input, output...
 * ```
 */

/** Word histogram: 4 x 65,536 x u32 (histogram.ts). */
export const HIST: usize = 0
/** Word table: 65,536 x (u32 code, u32 length) (huffman-encode.ts). */
export const WORD_TABLE: usize = 1 << 20
/** Quantisation table: 65,536 x u8 levels. */
export const LUT: usize = WORD_TABLE + (512 << 10)
/** Symbol counts: 256 x f64, read by the TypeScript code builder. */
export const COUNTS: usize = LUT + (64 << 10)
/** Scratch: 4 KiB. */
export const SCRATCH: usize = COUNTS + 2048
/** Per-symbol scratch of the table builders: 3 x 256 x u32. */
export const PREP: usize = SCRATCH + 4096
/** Code length per byte value: 256 x u8. */
export const LENS: usize = PREP + 3072
/** Bit-reversed code per byte value, 256 bits each (little-endian): 256 x 32 bytes. */
export const CODES: usize = LENS + 256
/** The tree to serialise, pre-order: up to 511 x i16, -1 for an internal node. */
export const TREE: usize = CODES + 8192
/** The tree to decode with: per node its symbol (or -1), child for bit 0, child for bit 1 (511 x i16 each). */
export const NODE_SYM: usize = TREE + 1024
export const NODE_A: usize = NODE_SYM + 1024
export const NODE_B: usize = NODE_A + 1024
/** Decode table: 4,096 x u64 (huffman-decode.ts). */
export const DECODE_TABLE: usize = NODE_B + 1024
/** One-symbol decode table, scratch of the builder: 4,096 x u32. */
export const DECODE_SINGLE: usize = DECODE_TABLE + 32768
/** Walk stack of the decode-table builder: up to 2 x 256 x 12 bytes. */
export const DECODE_STACK: usize = DECODE_SINGLE + 16384
/** De-quantisation table: 256 entries of the output type. */
export const DEQUANT: usize = DECODE_STACK + 8192
/** First byte after the fixed tables (a 64 KiB boundary); the build's --memoryBase. */
export const FIXED_END: usize = 0x1c0000
