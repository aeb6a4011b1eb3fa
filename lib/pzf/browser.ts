/**
 * `pyme-cluster/pzf` for browsers and other hosts without Node's APIs (the `browser` export
 * condition): the PZF codec alone, WebAssembly kernels included (`await initPzfWasm()` on a
 * browser's main thread compiles them up front). The worker-thread `PzfEncoderPool` is
 * Node-only and lives in the Node entry (index.ts); nothing this file imports may use a Node
 * module, which test/pzf/browser-bundle.test.ts checks by bundling it for the browser.
 */
export { encodePzf, encodePzfInto, maxPzfLength } from './encode-pzf.js'
export type { PzfEncodeOptions, PzfQuantization } from './encode-pzf.js'
export { decodePzf, decodePzfInto, decodedPzfLength } from './decode-pzf.js'
export type { DecodedPzf, PzfDecodeLimits, PzfDecodeOptions } from './decode-pzf.js'
export { initPzfWasm } from './pzf-wasm.js'
export type { PzfImpl } from './pzf-wasm.js'
export { readPzfHeader } from './format.js'
export type { PzfCompression, PzfDimOrder, PzfDtype, PzfHeader, PzfPixels } from './format.js'
