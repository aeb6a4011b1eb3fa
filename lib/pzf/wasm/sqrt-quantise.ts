/**
 * The inverse of PZF's sqrt quantisation (PZF.md §6.2): levels mapped through the
 * 256-entry de-quantisation table the TypeScript code computes (float32 arithmetic,
 * NumPy's casts), to the frame's dtype. The forward direction is folded into the
 * encoder's word table (huffman-encode.ts `buildQuantTable`).
 */

import { DEQUANT } from './layout'

const table = DEQUANT

/** `out[i] = DEQUANT[levels[i]]` for `n` levels; `size` is the output element size (1, 2 or 4). */
export function dequantise (levels: usize, n: usize, out: usize, size: u32): void {
  if (size === 2) {
    for (let i: usize = 0; i < n; i++) store<u16>(out + (i << 1), load<u16>(table + (<usize>load<u8>(levels + i) << 1)))
  } else if (size === 4) {
    for (let i: usize = 0; i < n; i++) store<u32>(out + (i << 2), load<u32>(table + (<usize>load<u8>(levels + i) << 2)))
  } else {
    for (let i: usize = 0; i < n; i++) store<u8>(out + i, load<u8>(table + <usize>load<u8>(levels + i)))
  }
}
