/**
 * The HDF5 library: h5wasm (the HDF5 C library compiled to WebAssembly), loaded on first use
 * only. It is 4 MB of JavaScript with the module inlined; compiling it takes some 0.3 s and
 * 80 MB, so nothing imports it at start-up: the data server and the backends reach it
 * through `H5Service` (a worker thread) when an HDF5 file is first touched.
 *
 * h5wasm's Node build does file I/O through the Emscripten file system mapped onto Node's
 * synchronous `fs` calls (NODERAWFS). We wrap its `write` and `ftruncate` once, so that a
 * file with a `RollbackJournal` registered sees every change before it happens.
 */
import type { RollbackJournal } from './rollback-journal.js'

type H5wasmApi = typeof import('h5wasm/node')

/** The loaded library: the high-level API and its Emscripten module. */
export interface H5Runtime {
  readonly api: H5wasmApi['default']
  readonly module: Awaited<H5wasmApi['ready']>
  /** Journals by absolute file path; their files' writes are journalled first. */
  readonly journals: Map<string, RollbackJournal>
}

interface EmscriptenStream { readonly path?: string }
interface EmscriptenFs {
  write: (stream: EmscriptenStream, buffer: Uint8Array, offset: number, length: number, position?: number, canOwn?: boolean) => number
  ftruncate: (fd: number, length: number) => void
  getStreamChecked: (fd: number) => EmscriptenStream
}

let loading: Promise<H5Runtime> | undefined

async function load (): Promise<H5Runtime> {
  const mod = await import('h5wasm/node')
  const module = await mod.ready
  const journals = new Map<string, RollbackJournal>()
  const fs = module.FS as unknown as EmscriptenFs
  const write = fs.write
  const ftruncate = fs.ftruncate
  fs.write = function (stream, buffer, offset, length, position, canOwn) {
    const journal = stream.path === undefined ? undefined : journals.get(stream.path)
    if (journal !== undefined && position !== undefined) journal.beforeWrite(position, buffer.subarray(offset, offset + length))
    return write.call(this, stream, buffer, offset, length, position, canOwn)
  }
  fs.ftruncate = function (fd, length) {
    const path = fs.getStreamChecked(fd).path
    const journal = path === undefined ? undefined : journals.get(path)
    journal?.beforeTruncate(length)
    ftruncate.call(this, fd, length)
  }
  // HDF5's own messages on stderr would repeat what our errors say.
  module.deactivate_throwing_error_handler?.()
  module.activate_throwing_error_handler?.()
  return { api: mod.default, module, journals }
}

/** Loads h5wasm once (later calls share the same instance). */
export function loadH5Runtime (): Promise<H5Runtime> {
  loading ??= load().catch((err: unknown) => {
    loading = undefined
    throw err
  })
  return loading
}
