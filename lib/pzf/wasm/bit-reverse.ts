/**
 * Reverses the bit order inside every byte, 16 bytes per step (two nibble look-ups with
 * `i8x16.swizzle`). PZF streams are MSB-first (PZF.md §7.1); the kernels pack and unpack
 * LSB-first, which needs no byte swap on a little-endian machine, and convert with this
 * pass: the encoder's output after packing, the decoder's input before unpacking.
 */

/** `rev4(n) << 4` for each nibble n. */
const REV_HI = i32x4(0xc0408000, 0xe060a020, 0xd0509010, 0xf070b030)
/** `rev4(n)` for each nibble n. */
const REV_LO = i32x4(0x0c040800, 0x0e060a02, 0x0d050901, 0x0f070b03)

/** Reverses the bits of each byte of `[ptr, ptr + n)`; rounds `n` up to 16 (the caller pads). */
export function reverseBits (ptr: usize, n: usize): void {
  const nibble = i8x16.splat(0x0f)
  const end = ptr + n
  for (let p = ptr; p < end; p += 16) {
    const v = v128.load(p)
    const lo = v128.and(v, nibble)
    const hi = v128.and(i16x8.shr_u(v, 4), nibble)
    v128.store(p, v128.or(i8x16.swizzle(REV_HI, lo), i8x16.swizzle(REV_LO, hi)))
  }
}

/** Bit-reversal of one byte (tree symbols; not on the hot path). */
// @ts-ignore: decorator
@inline export function reverseByte (b: u32): u32 {
  return <u32>((((<u64>b * 0x0202020202) & 0x010884422010) % 1023) & 0xff)
}
