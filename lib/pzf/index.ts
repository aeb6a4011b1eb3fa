/**
 * `pyme-cluster/pzf`: the PZF frame codec, bit-exact with PYME (shared/spec/PZF.md),
 * and a worker-thread pool that encodes frames off the main thread. The codec runs on
 * WebAssembly kernels where available, with the TypeScript codec as reference and
 * fallback (docs/pzf-speed.md).
 */
export { encodePzf, encodePzfInto, maxPzfLength } from './encode-pzf.js'
export type { PzfEncodeOptions, PzfQuantization } from './encode-pzf.js'
export { decodePzf, decodePzfInto, decodedPzfLength } from './decode-pzf.js'
export type { DecodedPzf, PzfDecodeLimits, PzfDecodeOptions } from './decode-pzf.js'
export { initPzfWasm } from './pzf-wasm.js'
export type { PzfImpl } from './pzf-wasm.js'
export { readPzfHeader } from './format.js'
export { allocateFramed } from './framed-pixels.js'
export type { PzfCompression, PzfDimOrder, PzfDtype, PzfHeader, PzfPixels, PzfPixelsOf } from './format.js'
export { PzfEncoderPool } from './pzf-encoder-pool.js'
export type { PzfEncodedInto, PzfEncoderPoolOptions, PzfPoolTaskOptions } from './pzf-encoder-pool.js'
