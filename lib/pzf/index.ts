/**
 * `pyme-cluster/pzf`: the PZF frame codec, bit-exact with PYME (shared/spec/PZF.md),
 * and a worker-thread pool that encodes frames off the main thread.
 */
export { encodePzf, encodePzfInto, maxPzfLength } from './encode-pzf.js'
export type { PzfEncodeOptions, PzfQuantization } from './encode-pzf.js'
export { decodePzf } from './decode-pzf.js'
export type { DecodedPzf, PzfDecodeLimits } from './decode-pzf.js'
export { readPzfHeader } from './format.js'
export type { PzfCompression, PzfDimOrder, PzfDtype, PzfHeader, PzfPixels } from './format.js'
export { PzfEncoderPool } from './pzf-encoder-pool.js'
export type { PzfEncodedInto, PzfEncoderPoolOptions, PzfPoolTaskOptions } from './pzf-encoder-pool.js'
