/**
 * `lib/pzf/browser.ts` (the `browser` condition of `pyme-cluster/pzf`) bundles for the browser
 * with no Node module anywhere in its graph, and runs in a bare JavaScript realm (no `process`,
 * no `Buffer`, no `require`; only `atob` of the browser's globals): the decoder the console page
 * uses, WebAssembly kernels included. The Node entry does not bundle
 * for the browser (its encoder pool needs worker threads), which shows the check can fail.
 */
import { createContext, runInContext } from 'node:vm'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { build } from 'esbuild'
import { decodePzf } from '../../lib/pzf/decode-pzf.js'
import { encodePzf } from '../../lib/pzf/encode-pzf.js'

const entry = (name: string): string => fileURLToPath(new URL(`../../lib/pzf/${name}`, import.meta.url))

async function bundle (file: string): Promise<string> {
  const out = await build({ entryPoints: [file], bundle: true, platform: 'browser', format: 'iife', globalName: 'pzf', write: false, logLevel: 'silent' })
  return out.outputFiles[0]?.text ?? ''
}

t.test('the browser entry bundles without Node and decodes in a bare realm', async (t) => {
  const code = await bundle(entry('browser.ts'))
  t.notMatch(code, /worker_threads|PzfEncoderPool|from\s*["']node:|require\(/, 'no Node module, no encoder pool')
  // A bare realm plus what every browser has and the WebAssembly loader uses (atob).
  const realm = createContext({ atob })
  runInContext(code, realm)
  t.equal(runInContext('typeof process + typeof Buffer + typeof require', realm), 'undefinedundefinedundefined')
  const pixels = new Uint16Array(64 * 32).map((_, i) => (i * 37) & 0xffff)
  for (const options of [{ compression: 'huffman' }, { compression: 'huffman', quantization: { offset: 0, scale: 1 } }, { compression: 'raw' }] as const) {
    const file = encodePzf(pixels, { shape: [64, 32], dimOrder: 'F', ...options })
    realm['input'] = file
    const decoded = runInContext('(() => { const b = new Uint8Array(input.length); b.set(input); const d = pzf.decodePzf(b); return { shape: Array.from(d.shape), data: Array.from(d.data) } })()', realm) as { shape: number[], data: number[] }
    const expected = decodePzf(file)
    t.same(decoded.shape, [...expected.shape])
    t.same(decoded.data, Array.from(expected.data), `the same pixels as in Node (${JSON.stringify(options)})`)
  }
  const encoded = runInContext('Array.from(pzf.encodePzf(new Uint16Array([1, 2, 3, 4]), { shape: [2, 2], dimOrder: "F" }))', realm) as number[]
  t.same(encoded, Array.from(encodePzf(new Uint16Array([1, 2, 3, 4]), { shape: [2, 2], dimOrder: 'F' })), 'and encodes byte for byte the same')
})

t.test('the Node entry (with the worker pool) does not bundle for the browser', async (t) => {
  await t.rejects(bundle(entry('index.ts')), /node:/)
})
