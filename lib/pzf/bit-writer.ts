/**
 * MSB-first bit writer for Huffman streams (shared/spec/PZF.md §7.1): the first bit is
 * bit 7 of byte 0; the last byte is zero-padded.
 *
 * ```
 *   acc: | 0 ... 0 | n pending bits (right-aligned, n < 32) |
 *   a full 32-bit word is stored big-endian at `pos`, so the byte order is the bit order
 * ```
 * Hot loops copy `acc`/`n`/`pos` into locals and write them back (see huffman-encoder.ts).
 */

export class BitWriter {
  view: DataView
  /** Byte position of the next full word. */
  pos: number
  /** Pending bits, right-aligned; bits above `n` are zero. */
  acc = 0
  /** Number of pending bits, 0..31. */
  n = 0

  constructor (target: Uint8Array, offset: number) {
    this.view = new DataView(target.buffer, target.byteOffset, target.byteLength)
    this.pos = offset
  }

  /** Appends the low `len` bits of `code` (1 <= len <= 32; no bits set above `len`). */
  write (code: number, len: number): void {
    const n = this.n
    if (n + len < 32) {
      this.acc = (this.acc << len) | code
      this.n = n + len
      return
    }
    const r = n + len - 32
    // n === 0 implies acc === 0, so the (acc << 32 === acc) quirk of JS shifts is harmless.
    this.view.setUint32(this.pos, (this.acc << (32 - n)) | (code >>> r))
    this.pos += 4
    this.acc = code & ((1 << r) - 1)
    this.n = r
  }

  /** Appends `len` bits stored one per byte in `bits[base..]` (codes longer than 32 bits). */
  writePath (bits: Uint8Array, base: number, len: number): void {
    let j = 0
    while (j < len) {
      const take = Math.min(24, len - j)
      let v = 0
      for (let k = 0; k < take; k++) v = (v << 1) | (bits[base + j + k] as number)
      this.write(v, take)
      j += take
    }
  }

  /** Flushes the pending bits, zero-padded to a byte; returns the end position. */
  finish (): number {
    let n = this.n
    if (n > 0) {
      const word = this.acc << (32 - n)
      let shift = 24
      while (n > 0) {
        this.view.setUint8(this.pos++, (word >>> shift) & 0xff)
        shift -= 8
        n -= 8
      }
    }
    this.acc = 0
    this.n = 0
    return this.pos
  }
}
