/**
 * MSB-first bit writer for Huffman streams (shared/spec/PZF.md §7.1): the first bit is
 * bit 7 of byte 0; the last byte is zero-padded.
 *
 * ```
 *   acc (32 bits): | k pending bits (k <= 7) | zeros |     bytes before `pos` are final
 *   write(code, len <= 24):  acc |= code << (32 - k - len); k += len; emit k >>> 3 whole bytes
 * ```
 * Because at most 7 bits are pending, any code of up to 24 bits fits the accumulator
 * without a check. The hot loop in huffman-encoder.ts uses the same state with an
 * unconditional 4-byte store per symbol (no data-dependent branch); this class is the
 * careful version, which never writes past the bytes it completes.
 */

/** Longest code one `write` call (and one hot-loop step) accepts. */
export const MAX_WRITE_BITS = 24

export class BitWriter {
  readonly view: DataView
  /** Next byte to write. */
  pos: number
  /** Pending bits, left-aligned; the rest is zero. */
  acc = 0
  /** Number of pending bits, 0..7. */
  k = 0

  constructor (target: Uint8Array, offset: number) {
    this.view = new DataView(target.buffer, target.byteOffset, target.byteLength)
    this.pos = offset
  }

  /** Appends the low `len` bits of `code` (1 <= len <= 24; no bits set above `len`). */
  write (code: number, len: number): void {
    let k = this.k + len
    let acc = this.acc | (code << (32 - k))
    while (k >= 8) {
      this.view.setUint8(this.pos++, acc >>> 24)
      acc <<= 8
      k -= 8
    }
    this.acc = acc
    this.k = k
  }

  /** Appends `len` bits stored one per byte in `bits[base..]` (codes longer than 24 bits). */
  writePath (bits: Uint8Array, base: number, len: number): void {
    let j = 0
    while (j < len) {
      const take = Math.min(MAX_WRITE_BITS, len - j)
      let v = 0
      for (let i = 0; i < take; i++) v = (v << 1) | (bits[base + j + i] as number)
      this.write(v, take)
      j += take
    }
  }

  /** Flushes the pending bits, zero-padded to a byte; returns the end position. */
  finish (): number {
    if (this.k > 0) this.view.setUint8(this.pos++, this.acc >>> 24)
    this.acc = 0
    this.k = 0
    return this.pos
  }
}
