// The generated kernel module (lib/pzf/pzf-wasm-binary.ts) must match its sources: built
// by scripts/build-pzf-wasm.mjs from lib/pzf/wasm/*.ts with the installed asc and its
// flags. A stale module (a kernel source edited without `npm run build:wasm`) fails here.
import t from 'tap'
import { pzfWasmBase64, pzfWasmSourceHash } from '../../lib/pzf/pzf-wasm-binary.js'
// @ts-expect-error -- a plain .mjs build script without type declarations
import { kernelSourceHash, kernelSources } from '../../scripts/build-pzf-wasm.mjs'

t.test('the kernel module is up to date with its sources', async (t) => {
  t.ok((kernelSources() as string[]).includes('index.ts'), 'sources found')
  t.equal(pzfWasmSourceHash, kernelSourceHash(), 'built from the current sources (else: npm run build:wasm)')
})

t.test('the module is small and valid WebAssembly', async (t) => {
  const bytes = Buffer.from(pzfWasmBase64, 'base64')
  t.ok(bytes.length > 1000 && bytes.length < 64 * 1024, `${bytes.length} bytes`)
  t.same([...bytes.subarray(0, 4)], [0, 0x61, 0x73, 0x6d], 'wasm magic')
})
