/**
 * Builds the Huffman code of one PZF stream from a byte histogram, exactly as
 * pymecompress `bcl/huffman.c` does, so that our streams are bit-identical to PYME's.
 * Spec: shared/spec/PZF.md §7.2 (tree construction and tie-breaking), §7.3 (serialisation).
 *
 * Node pool (indices): leaves first, in increasing symbol order, then one internal node
 * per merge, appended; the last one is the root.
 * ```
 *   pool: | leaf s0 | leaf s1 | ... | leaf s(m-1) | node m | node m+1 | ... | root (2m-2) |
 *   merge: the two lightest live nodes, ties to the HIGHER pool index; the lighter
 *          becomes child A (code bit 0), the other child B (code bit 1)
 * ```
 * Codes may be up to 255 bits long (PYME's encoder breaks above 25; we do not): codes of
 * up to 32 bits are kept as integers, and every code as a bit path for the slow path.
 */

/** Maximum code length: a tree of 256 leaves is at most 255 deep. */
export const MAX_CODE_LENGTH = 255

/** A code built by {@link HuffmanCodeBuilder.build}; views into the builder's scratch arrays. */
export interface HuffmanCode {
  /** Number of distinct symbols (0 for empty input). */
  readonly symbolCount: number
  /** Code length of each byte value, 0 when absent. */
  readonly lengths: Uint8Array
  /** Code of each byte value, right-aligned; valid when its length is <= 32. */
  readonly codes: Int32Array
  /** Bit `j` (root edge first) of the code of symbol `s` is `paths[s * 256 + j]`. */
  readonly paths: Uint8Array
  /** The tree in pre-order: a symbol (0..255) for a leaf, -1 for an internal node. */
  readonly tree: Int16Array
  readonly treeLength: number
  /** Size of the serialised tree in bits (`10m - 1`, or 9 for a single symbol). */
  readonly treeBits: number
}

const POOL = 511

/** True when node `x` comes before node `y`: lighter, or as heavy and a higher pool index. */
function before (weight: Float64Array, x: number, y: number): boolean {
  const wx = weight[x] as number
  const wy = weight[y] as number
  return wx < wy || (wx === wy && x > y)
}

/** Adds node `k` to the heap of `n` nodes; returns the new size. */
function heapPush (heap: Int16Array, n: number, weight: Float64Array, k: number): number {
  let i = n
  while (i > 0) {
    const parent = (i - 1) >> 1
    const p = heap[parent] as number
    if (!before(weight, k, p)) break
    heap[i] = p
    i = parent
  }
  heap[i] = k
  return n + 1
}

/** Removes the first node of the heap of `n` nodes; returns the new size. */
function heapPop (heap: Int16Array, n: number, weight: Float64Array): number {
  const last = heap[--n] as number
  let i = 0
  for (;;) {
    let c = 2 * i + 1
    if (c >= n) break
    if (c + 1 < n && before(weight, heap[c + 1] as number, heap[c] as number)) c++
    if (!before(weight, heap[c] as number, last)) break
    heap[i] = heap[c] as number
    i = c
  }
  heap[i] = last
  return n
}

/** Size in bytes of the stream (tree and codes, zero-padded to a byte) that `code` makes of `counts`. */
export function huffmanStreamBytes (code: HuffmanCode, counts: ArrayLike<number>): number {
  if (code.symbolCount === 0) return 0
  let bits = code.treeBits
  for (let s = 0; s < 256; s++) {
    const c = counts[s] as number
    if (c !== 0) bits += c * (code.lengths[s] as number)
  }
  return Math.ceil(bits / 8)
}

/**
 * Reusable scratch for building codes; one per thread (no allocation per frame).
 * Not re-entrant: a code is valid until the next `build` call.
 */
export class HuffmanCodeBuilder implements HuffmanCode {
  symbolCount = 0
  readonly lengths = new Uint8Array(256)
  readonly codes = new Int32Array(256)
  readonly paths = new Uint8Array(256 * 256)
  readonly tree = new Int16Array(POOL)
  treeLength = 0
  treeBits = 0
  readonly #weight = new Float64Array(POOL)
  readonly #sym = new Int16Array(POOL)
  readonly #childA = new Int16Array(POOL)
  readonly #childB = new Int16Array(POOL)
  readonly #parent = new Int16Array(POOL)
  readonly #depth = new Uint8Array(POOL)
  readonly #code = new Int32Array(POOL)
  readonly #stack = new Int16Array(POOL)
  readonly #heap = new Int16Array(POOL)

  /** Builds the code for `counts` (256 byte counts). Returns `this`. */
  build (counts: ArrayLike<number>): HuffmanCode {
    const weight = this.#weight
    const sym = this.#sym
    const childA = this.#childA
    const childB = this.#childB
    this.lengths.fill(0)
    let size = 0
    for (let s = 0; s < 256; s++) {
      const c = counts[s] as number
      if (c > 0) {
        weight[size] = c
        sym[size] = s
        childA[size] = -1
        childB[size] = -1
        size++
      }
    }
    this.symbolCount = size
    if (size === 0) {
      this.treeLength = 0
      this.treeBits = 0
      return this
    }
    if (size === 1) {
      // Single symbol: the tree is one leaf and its code is the single bit 0.
      const s = sym[0] as number
      this.tree[0] = s
      this.treeLength = 1
      this.treeBits = 9
      this.lengths[s] = 1
      this.codes[s] = 0
      this.paths[s * 256] = 0
      return this
    }
    // PYME scans all live nodes for the two lightest, `<=` on both comparisons: ties go to
    // the higher pool index, so it takes the two smallest in the order (weight, -index).
    // A binary heap in that order picks the same nodes in O(m log m) instead of O(m^2)
    // (the whole build: 0.18 -> 0.06 ms for 256 symbols; test/pzf/huffman.test.ts checks
    // the heap against the scan on tie-rich counts).
    const heap = this.#heap
    let n = 0
    for (let k = 0; k < size; k++) n = heapPush(heap, n, weight, k)
    while (n > 1) {
      const n1 = heap[0] as number
      n = heapPop(heap, n, weight)
      const n2 = heap[0] as number
      n = heapPop(heap, n, weight)
      weight[size] = (weight[n1] as number) + (weight[n2] as number)
      sym[size] = -1
      childA[size] = n1
      childB[size] = n2
      n = heapPush(heap, n, weight, size)
      size++
    }
    this.#assign(size - 1)
    this.treeBits = 10 * this.symbolCount - 1
    return this
  }

  /** Pre-order walk from the root: serialised tree, code lengths, integer codes and bit paths. */
  #assign (root: number): void {
    const sym = this.#sym
    const childA = this.#childA
    const childB = this.#childB
    const parent = this.#parent
    const depth = this.#depth
    const code = this.#code
    const stack = this.#stack
    const tree = this.tree
    let top = 0
    let t = 0
    stack[top++] = root
    parent[root] = -1
    depth[root] = 0
    code[root] = 0
    while (top > 0) {
      const n = stack[--top] as number
      const s = sym[n] as number
      tree[t++] = s
      const d = depth[n] as number
      if (s >= 0) {
        this.lengths[s] = d
        this.codes[s] = code[n] as number
        // Fill the bit path from the leaf up (only the slow path reads it).
        let m = n
        for (let j = d - 1; j >= 0; j--) {
          const p = parent[m] as number
          this.paths[s * 256 + j] = childB[p] === m ? 1 : 0
          m = p
        }
        continue
      }
      const a = childA[n] as number
      const b = childB[n] as number
      const c = code[n] as number
      parent[a] = n
      parent[b] = n
      depth[a] = d + 1
      depth[b] = d + 1
      code[a] = c << 1
      code[b] = (c << 1) | 1
      // Push B first so that A is serialised first.
      stack[top++] = b
      stack[top++] = a
    }
    this.treeLength = t
  }
}
