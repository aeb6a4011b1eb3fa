/**
 * Entry of the PZF WebAssembly kernels (AssemblyScript, built by scripts/build-pzf-wasm.mjs
 * into lib/pzf/pzf-wasm-binary.ts). Tables live at the fixed addresses of layout.ts, the
 * frame's input and output at addresses the caller (lib/pzf/pzf-wasm-kernels.ts) passes.
 * Nothing here allocates.
 */
export { reverseBits } from './bit-reverse'
export { histogramWords, histogramBytes, histogramLevels, foldWordsToBytes, foldWordsToLevels } from './histogram'
export { buildPairTable, buildQuantTable, encodeStream } from './huffman-encode'
export { buildDecodeTable, decodeStream } from './huffman-decode'
export { dequantise } from './sqrt-quantise'
export {
  HIST, WORD_TABLE, LUT, COUNTS, LENS, CODES, TREE, NODE_SYM, NODE_A, NODE_B, DEQUANT, FIXED_END
} from './layout'
