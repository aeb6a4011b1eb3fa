// Huffman stream codec: PZF.md §8.1 vectors, both encoder kernels, long codes, and the
// decoder's table and tree-walk paths.
import t from 'tap'
import { HuffmanEncoder } from '../../lib/pzf/huffman-encoder.js'
import { HuffmanDecoder } from '../../lib/pzf/huffman-decoder.js'
import { HuffmanCodeBuilder } from '../../lib/pzf/huffman-code.js'
import { PzfFormatError } from '../../lib/errors.js'

function encode (src: Uint8Array, wordKernel = true): Uint8Array {
  const enc = new HuffmanEncoder()
  enc.wordKernel = wordKernel
  const n = enc.planBytes(src)
  const out = new Uint8Array(n + 8).fill(0xaa)
  const end = enc.write(out, 3)
  t.equal(end, 3 + n, 'write ends where plan said')
  return out.slice(3, end)
}

function decode (stream: Uint8Array, outLen: number): Uint8Array {
  const dec = new HuffmanDecoder()
  const out = new Uint8Array(outLen)
  if (outLen === 0) return out
  dec.parse(stream)
  dec.decode(stream, out)
  return out
}

/** xorshift32: deterministic test data. */
function rng (seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 4294967296
  }
}

/** Bytes whose counts follow the Fibonacci numbers: the most skewed tree, codes up to `symbols - 1` bits. */
function fibonacci (symbols: number, seed: number): Uint8Array {
  const counts = [1, 1]
  while (counts.length < symbols) counts.push((counts.at(-1) as number) + (counts.at(-2) as number))
  const total = counts.reduce((a, b) => a + b, 0)
  const out = new Uint8Array(total)
  let k = 0
  for (const [s, c] of counts.entries()) out.fill(s * 7 % 256, k, k += c)
  // Shuffle so that long and short codes interleave (Fisher-Yates).
  const r = rng(seed)
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1))
    const v = out[i] as number
    out[i] = out[j] as number
    out[j] = v
  }
  return out
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

t.test('PZF.md §8.1 streams', async (t) => {
  t.equal(hex(encode(new Uint8Array(0))), '')
  t.equal(hex(encode(new Uint8Array([1, 1, 2]))), '40a038')
  t.equal(hex(encode(new Uint8Array([7, 7, 7, 7, 7]))), '8380')
  t.equal(hex(encode(new TextEncoder().encode('abracadabra'))), '585622c963b92ed62e')
  t.equal(new TextDecoder().decode(decode(Buffer.from('585622c963b92ed62e', 'hex'), 11)), 'abracadabra')
  t.same([...decode(Buffer.from('8380', 'hex'), 5)], [7, 7, 7, 7, 7])
  t.same([...decode(Buffer.from('40a038', 'hex'), 3)], [1, 1, 2])
})

t.test('code builder: PYME tie-breaking and lengths', async (t) => {
  const b = new HuffmanCodeBuilder()
  const counts = new Float64Array(256)
  for (const ch of 'abracadabra') counts[ch.charCodeAt(0)]!++
  const code = b.build(counts)
  const len = (c: string): number => code.lengths[c.charCodeAt(0)] as number
  t.same([len('a'), len('b'), len('c'), len('d'), len('r')], [1, 2, 4, 4, 3])
  t.equal(code.treeBits, 49)
  t.equal(b.build(new Float64Array(256)).symbolCount, 0, 'empty histogram')
})

t.test('word and byte kernels write identical streams; the decoder inverts both', async (t) => {
  const r = rng(99)
  const inputs: Array<[string, Uint8Array]> = []
  const camera = new Uint16Array(70_000)
  for (let i = 0; i < camera.length; i++) camera[i] = 100 + Math.floor(-Math.log(r() + 1e-12) * 20)
  inputs.push(['camera-like uint16', new Uint8Array(camera.buffer)])
  const uniform = new Uint8Array(80_001)
  for (let i = 0; i < uniform.length; i++) uniform[i] = Math.floor(r() * 256)
  inputs.push(['uniform bytes, odd length', uniform])
  // A view starting at an odd address: the word kernel reads an odd head byte first.
  inputs.push(['odd byteOffset', uniform.subarray(1, 70_000)])
  inputs.push(['two symbols', new Uint8Array(66_000).map((_, i) => (i % 3 === 0 ? 5 : 9))])
  inputs.push(['single symbol', new Uint8Array(70_000).fill(42)])
  for (const [name, src] of inputs) {
    const words = encode(src, true)
    const bytes = encode(src, false)
    t.equal(hex(words), hex(bytes), `${name}: same bits`)
    t.ok(Buffer.from(decode(words, src.length)).equals(src), `${name}: round trip`)
  }
})

t.test('long codes: beyond the word table (26 bits) and beyond 32 bits', async (t) => {
  // 34 Fibonacci-weighted symbols: a 33-bit code (PYME's encoder corrupts anything > 25).
  const src = fibonacci(34, 5)
  const b = new HuffmanCodeBuilder()
  const counts = new Float64Array(256)
  for (const v of src) counts[v]!++
  const max = Math.max(...b.build(counts).lengths)
  t.equal(max, 33, 'longest code is 33 bits')
  const stream = encode(src, true)
  t.equal(hex(stream.subarray(0, 64)), hex(encode(src, false).subarray(0, 64)), 'kernels agree')
  t.ok(Buffer.from(decode(stream, src.length)).equals(src), 'round trip through the slow paths')
})

t.test('decoder: codes longer than its 12-bit table, in the fast loop and the tail', async (t) => {
  const src = fibonacci(20, 11)
  for (const s of [src, src.subarray(0, 3), src.subarray(0, 40)]) {
    const stream = encode(s, false)
    t.ok(Buffer.from(decode(stream, s.length)).equals(s), `${s.length} bytes`)
  }
})

t.test('decoder: hostile streams give PzfFormatError', async (t) => {
  const dec = new HuffmanDecoder()
  t.throws(() => dec.parse(new Uint8Array(0)), { message: /tree incomplete/ })
  t.throws(() => dec.parse(new Uint8Array(40)), { message: /deeper than 255/ }, 'a run of 0 bits')
  // 0 1s 0 1s ... 1s: a comb of 254 internal nodes, each with a leaf as child A, and a final leaf.
  const bits: number[] = []
  for (let i = 0; i < 254; i++) bits.push(0, 1, 0, 0, 0, 0, 0, 0, 0, 1)
  bits.push(1, 0, 0, 0, 0, 0, 0, 1, 0)
  const comb = new Uint8Array(Math.ceil(bits.length / 8) + 2)
  bits.forEach((bit, i) => { comb[i >> 3]! |= bit << (7 - (i & 7)) })
  t.equal(dec.parse(comb), bits.length, 'deep (254) but legal tree')
  const wide = new Uint8Array(200).fill(0x80) // 1 + 0000000: leaf, then leaves ... never an internal node: parse stops at the root
  t.equal(dec.parse(wide), 9, 'a single-leaf tree is 9 bits')
  // A complete tree of depth 9 has 1023 nodes: refused at 511.
  const full: number[] = []
  const emit = (d: number): void => {
    if (d === 9) { full.push(1, 0, 0, 0, 0, 0, 0, 0, 0); return }
    full.push(0)
    emit(d + 1)
    emit(d + 1)
  }
  emit(0)
  const big = new Uint8Array(Math.ceil(full.length / 8))
  full.forEach((bit, i) => { big[i >> 3]! |= bit << (7 - (i & 7)) })
  t.throws(() => dec.parse(big), { message: /more than 511 nodes/ })
  t.throws(() => dec.parse(new Uint8Array([0x80])), { message: /tree incomplete/ }, 'leaf marker without its symbol')
  // Truncated data: valid tree, too few bits.
  const abra = Buffer.from('585622c963b92ed62e', 'hex')
  const out = new Uint8Array(30)
  dec.parse(abra)
  t.throws(() => dec.decode(abra, out), PzfFormatError)
  const long = encode(fibonacci(20, 3).subarray(0, 400), false)
  dec.parse(long)
  t.throws(() => dec.decode(long.subarray(0, long.length - 20), new Uint8Array(400)), { message: /truncated Huffman stream/ })
  const cut = long.subarray(0, long.length - 1)
  dec.parse(cut)
  t.throws(() => dec.decode(cut, new Uint8Array(400)), PzfFormatError, 'last byte missing')
})

/** PYME's O(m^2) scan (bcl/huffman.c), the reference the builder's heap must agree with: the merge order. */
function scanMerges (counts: ArrayLike<number>): number[] {
  const weight: number[] = []
  for (let s = 0; s < 256; s++) if ((counts[s] as number) > 0) weight.push(counts[s] as number)
  const merges: number[] = []
  for (let size = weight.length, left = size; left > 1; left--) {
    let n1 = -1
    let n2 = -1
    for (let k = 0; k < size; k++) {
      const w = weight[k] as number
      if (w === 0) continue
      if (n1 < 0 || w <= (weight[n1] as number)) {
        n2 = n1
        n1 = k
      } else if (n2 < 0 || w <= (weight[n2] as number)) {
        n2 = k
      }
    }
    weight[size++] = (weight[n1] as number) + (weight[n2] as number)
    weight[n1] = 0
    weight[n2] = 0
    merges.push(n1, n2)
  }
  return merges
}

t.test('the code builder\'s heap merges exactly as PYME\'s scan, ties included', async (t) => {
  const builder = new HuffmanCodeBuilder()
  let seed = 12345
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0
    return seed % n
  }
  for (let round = 0; round < 300; round++) {
    const counts = new Float64Array(256)
    const symbols = 1 + next(256)
    // Few distinct weights: many ties, at every level of the tree.
    for (let i = 0; i < symbols; i++) counts[next(256)] = 1 + next(round % 3 === 0 ? 2 : round % 3 === 1 ? 5 : 1000)
    const code = builder.build(counts)
    // Rebuild the pool order from the code's tree: the scan's merges define every node's children.
    const merges = scanMerges(counts)
    const leaves: number[] = []
    for (let s = 0; s < 256; s++) if ((counts[s] as number) > 0) leaves.push(s)
    const lengths = new Uint8Array(256)
    const depthOf = (node: number, d: number): void => {
      if (node < leaves.length) {
        lengths[leaves[node] as number] = leaves.length === 1 ? 1 : d
        return
      }
      const m = node - leaves.length
      depthOf(merges[2 * m] as number, d + 1)
      depthOf(merges[2 * m + 1] as number, d + 1)
    }
    const root = leaves.length === 1 ? 0 : 2 * leaves.length - 2
    depthOf(root, 0)
    const preorder: number[] = []
    const walk = (node: number): void => {
      if (node < leaves.length) {
        preorder.push(leaves[node] as number)
        return
      }
      preorder.push(-1)
      walk(merges[2 * (node - leaves.length)] as number)
      walk(merges[2 * (node - leaves.length) + 1] as number)
    }
    walk(root)
    if (!Buffer.from(code.lengths).equals(Buffer.from(lengths)) ||
        preorder.join() !== [...code.tree.subarray(0, code.treeLength)].join()) {
      t.fail(`round ${round}: the tree differs from the scan's`)
      return
    }
  }
  t.pass('300 tie-rich histograms: the same tree (so the same codes) as the scan')
})
