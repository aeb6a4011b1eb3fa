// Loading the PZF kernels (lib/pzf/pzf-wasm.ts): nothing at import, synchronous compilation
// on first use where allowed, the asynchronous path browsers' main threads need, the
// TypeScript codec while compiling or where WebAssembly is missing, and the choice by
// option or PZF_IMPL. Each case loads its own instance of the module (a query string), as
// its state is per module instance.
import t from 'tap'
import { InvalidArgumentError } from '../../lib/errors.js'
import { encodePzf } from '../../lib/pzf/index.js'
import type * as Loader from '../../lib/pzf/pzf-wasm.js'

/** The engine's `WebAssembly` (the project's `lib` setting has no type for it). */
const realWasm = (globalThis as unknown as { WebAssembly: { Instance: unknown, instantiate: (...args: unknown[]) => unknown } }).WebAssembly

let instance = 0
async function freshLoader (): Promise<typeof Loader> {
  return await import(new URL(`../../lib/pzf/pzf-wasm.js?instance=${++instance}`, import.meta.url).href) as typeof Loader
}

/** Runs `fn` with globals replaced, restoring them after. */
async function withGlobals<T> (globals: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  const g = globalThis as Record<string, unknown>
  const saved = Object.fromEntries(Object.keys(globals).map((k) => [k, Object.getOwnPropertyDescriptor(g, k)]))
  for (const [k, v] of Object.entries(globals)) Object.defineProperty(g, k, { value: v, configurable: true, writable: true })
  try {
    return await fn()
  } finally {
    for (const [k, d] of Object.entries(saved)) {
      if (d === undefined) Reflect.deleteProperty(g, k)
      else Object.defineProperty(g, k, d)
    }
  }
}

t.test('Node: compiled synchronously on first use, not at import', async (t) => {
  const loader = await freshLoader()
  t.equal(loader.pzfWasmKernels('js'), null, "impl 'js' never compiles")
  const k = loader.pzfWasmKernels(undefined)
  t.not(k, null, 'first use compiles')
  t.equal(loader.pzfWasmKernels(undefined), k, 'once per thread')
  t.equal(loader.pzfWasmKernels('js'), null, "and impl 'js' still chooses the reference")
  t.equal(await loader.initPzfWasm(), true, 'initPzfWasm resolves at once when ready')
})

t.test('initPzfWasm compiles asynchronously, concurrent calls share it', async (t) => {
  const loader = await freshLoader()
  const a = loader.initPzfWasm()
  const b = loader.initPzfWasm()
  t.equal(loader.pzfWasmKernels(undefined), null, 'TypeScript codec while compiling')
  t.same(await Promise.all([a, b]), [true, true])
  t.not(loader.pzfWasmKernels(undefined), null, 'kernels once ready')
})

t.test("a browser's main thread: asynchronous, the TypeScript codec until ready", async (t) => {
  await withGlobals({ window: {}, document: {} }, async () => {
    const loader = await freshLoader()
    t.equal(loader.pzfWasmKernels(undefined), null, 'first use starts compiling, runs the TypeScript codec')
    t.equal(loader.pzfWasmKernels(undefined), null, 'still compiling')
    t.equal(await loader.initPzfWasm(), true, 'awaitable')
    t.not(loader.pzfWasmKernels(undefined), null, 'then the kernels')
  })
})

t.test('an engine refusing synchronous compilation: asynchronous instead', async (t) => {
  const refusing = {
    Module: function Module () { throw new RangeError('WebAssembly.Module is disallowed on the main thread') },
    Instance: realWasm.Instance,
    instantiate: realWasm.instantiate.bind(realWasm)
  }
  await withGlobals({ WebAssembly: refusing }, async () => {
    const loader = await freshLoader()
    t.equal(loader.pzfWasmKernels(undefined), null, 'refused: TypeScript codec meanwhile')
    t.equal(await loader.initPzfWasm(), true, 'compiled asynchronously')
    t.not(loader.pzfWasmKernels(undefined), null)
  })
})

t.test('no WebAssembly, or a module the engine rejects: the TypeScript codec', async (t) => {
  await withGlobals({ WebAssembly: undefined }, async () => {
    const loader = await freshLoader()
    t.equal(loader.pzfWasmKernels(undefined), null, 'no WebAssembly')
    t.equal(await loader.initPzfWasm(), false, 'initPzfWasm says so')
  })
  const rejecting = {
    Module: function Module () { throw new TypeError('no SIMD') },
    Instance: realWasm.Instance,
    instantiate: async () => { throw new TypeError('no SIMD') }
  }
  await withGlobals({ WebAssembly: rejecting }, async () => {
    const loader = await freshLoader()
    t.equal(loader.pzfWasmKernels(undefined), null)
    t.equal(await loader.initPzfWasm(), false, 'failed compilation: false, never a rejection')
    t.equal(loader.pzfWasmKernels(undefined), null, 'and stays on the TypeScript codec')
    t.equal(await loader.initPzfWasm(), false)
  })
})

t.test('PZF_IMPL chooses the default, read on first use', async (t) => {
  const saved = process.env.PZF_IMPL
  t.teardown(() => {
    if (saved === undefined) delete process.env.PZF_IMPL
    else process.env.PZF_IMPL = saved
  })
  process.env.PZF_IMPL = 'js'
  let loader = await freshLoader()
  t.equal(loader.resolvePzfImpl(undefined), 'js')
  t.equal(loader.resolvePzfImpl('wasm'), 'wasm', 'an option overrides it')
  t.equal(loader.pzfWasmKernels(undefined), null)
  process.env.PZF_IMPL = 'wasm'
  t.equal(loader.resolvePzfImpl(undefined), 'js', 'read once')
  loader = await freshLoader()
  t.equal(loader.resolvePzfImpl(undefined), 'wasm')
  process.env.PZF_IMPL = ''
  loader = await freshLoader()
  t.equal(loader.resolvePzfImpl(undefined), 'wasm', 'empty: the default')
  process.env.PZF_IMPL = 'fast'
  loader = await freshLoader()
  t.throws(() => loader.resolvePzfImpl(undefined), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /PZF_IMPL/ })
})

t.test('the impl option is validated', async (t) => {
  const frame = new Uint16Array(4)
  t.throws(() => encodePzf(frame, { shape: [2, 2], impl: 'c' as never }), InvalidArgumentError)
  const loader = await freshLoader()
  t.throws(() => loader.checkPzfImpl(1), { message: /invalid impl/ })
  t.equal(loader.checkPzfImpl(undefined), undefined)
  t.equal(loader.checkPzfImpl('js'), 'js')
})
