// Byte equality of typed arrays for tests: tap's deep `t.same` walks typed arrays element
// by element and is very slow on frame-sized data.

/** True when `a` and `b` have the same type and the same bytes. */
export function sameBytes (a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.constructor === b.constructor &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}
