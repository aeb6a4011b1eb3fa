/**
 * Loading the PZF WebAssembly kernels and choosing between them and the TypeScript codec.
 *
 * Nothing happens at import. The first encode or decode that may use the kernels compiles
 * them (about 4 KB, once per thread):
 * - synchronously in Node, workers and anywhere the engine allows it;
 * - asynchronously on a browser's main thread (Chrome refuses to compile modules over
 *   4 KB synchronously there): that call and the ones after it use the TypeScript codec
 *   until the module is ready. `await initPzfWasm()` at start-up avoids the gap.
 * Where WebAssembly (or its SIMD) is missing, the TypeScript codec is used; it gives the
 * same bytes (test/pzf/pzf-wasm-differential.test.ts).
 *
 * The choice: an operation's `impl` option, else the `PZF_IMPL` environment variable
 * (`wasm` or `js`; read on first use, where `process` exists), else `'wasm'`.
 */
import { InvalidArgumentError } from '../errors.js'
import { pzfWasmBase64 } from './pzf-wasm-binary.js'
import { PzfWasmKernels, type PzfKernelExports } from './pzf-wasm-kernels.js'

/** The part of the `WebAssembly` global we use (declared here: not every `lib` setting has it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { readonly exports: unknown }
  instantiate (bytes: Uint8Array): Promise<{ instance: { readonly exports: unknown } }>
}

function wasmApi (): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly
}

/** Which codec runs: the WebAssembly kernels (where available) or the TypeScript reference. */
export type PzfImpl = 'wasm' | 'js'

const IDLE = 0
const PENDING = 1
const READY = 2
const FAILED = 3

let state = IDLE
let kernels: PzfWasmKernels | null = null
let pending: Promise<boolean> | null = null
let envImpl: PzfImpl | null = null

/** `impl` as given, else `PZF_IMPL`, else `'wasm'`. */
export function resolvePzfImpl (impl: PzfImpl | undefined): PzfImpl {
  if (impl !== undefined) return impl
  return (envImpl ??= readEnvImpl())
}

function readEnvImpl (): PzfImpl {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  const v = env?.PZF_IMPL
  if (v === undefined || v === '' || v === 'wasm') return 'wasm'
  if (v === 'js') return 'js'
  throw new InvalidArgumentError(`invalid PZF_IMPL environment variable '${v}': expected 'wasm' or 'js'`)
}

/** Validates an `impl` option. */
export function checkPzfImpl (impl: unknown): PzfImpl | undefined {
  if (impl === undefined || impl === 'wasm' || impl === 'js') return impl
  throw new InvalidArgumentError("invalid impl: expected 'wasm' or 'js'")
}

function moduleBytes (): Uint8Array {
  const text = atob(pzfWasmBase64)
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i)
  return bytes
}

/** True on a browser's main thread, where large modules must be compiled asynchronously. */
function browserMainThread (): boolean {
  const g = globalThis as { window?: unknown, document?: unknown }
  return typeof g.window === 'object' && g.window !== null && typeof g.document === 'object'
}

function ready (instance: { readonly exports: unknown }): void {
  kernels = new PzfWasmKernels(instance.exports as unknown as PzfKernelExports)
  state = READY
}

function startAsync (): Promise<boolean> {
  state = PENDING
  const api = wasmApi() as WasmApi
  const p = api.instantiate(moduleBytes()).then(({ instance }) => {
    ready(instance)
    return true
  }, () => {
    state = FAILED
    return false
  })
  pending = p
  return p
}

/**
 * Compiles the kernels now, asynchronously (the way browsers' main threads need). Resolves
 * to true once they are ready for use, false where this engine cannot run them (then the
 * TypeScript codec is used). Idempotent; never rejects.
 */
export async function initPzfWasm (): Promise<boolean> {
  if (state === READY) return true
  if (state === FAILED) return false
  if (state === PENDING) return await (pending as Promise<boolean>)
  return await startAsync()
}

/**
 * The thread's kernels for an operation with option `impl`, or null when the TypeScript
 * codec is to run (chosen, unavailable, or still compiling on a browser's main thread).
 */
export function pzfWasmKernels (impl: PzfImpl | undefined): PzfWasmKernels | null {
  if (state === READY) return resolvePzfImpl(impl) === 'wasm' ? kernels : null
  if (resolvePzfImpl(impl) === 'js' || state !== IDLE) return null
  const api = wasmApi()
  if (api === undefined) {
    state = FAILED
    return null
  }
  if (browserMainThread()) {
    void startAsync()
    return null
  }
  try {
    ready(new api.Instance(new api.Module(moduleBytes())))
  } catch {
    // An engine that refuses synchronous compilation still may compile asynchronously.
    void startAsync()
    return null
  }
  return kernels
}
