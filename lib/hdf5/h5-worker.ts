/**
 * The HDF5 worker thread (started by `H5Service`): owns the h5wasm instance and every open
 * HDF5 file, and applies requests one at a time, so appends to one file are serialised and
 * the HDF5 library (not thread-safe) is only ever entered once at a time.
 *
 * Open files are kept in a bounded cache (least recently used closed first) and closed after
 * `idleCloseMs` without use, as PYME's H5RFile does after its keep-alive timeout.
 */
import { existsSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { NotFoundError } from '../errors.js'
import { debuglog } from 'node:util'
import { H5File } from './h5-file.js'
import { loadH5Runtime, type H5Runtime } from './h5wasm-runtime.js'
import { H5ResultsFile } from './h5r-file.js'
import { H5SeriesFile } from './h5-series-file.js'
import type { H5Request, H5Response, H5WorkerOptions } from './h5-protocol.js'
import { RESULTS_TEMPLATE_BASE64, SERIES_TEMPLATE_BASE64 } from './pytables-templates.js'

const debug = debuglog('pyme')
// HDF5 prints its error stack on stderr; our errors say what failed, the stack goes to debug.
console.error = (...args: unknown[]): void => { debug('hdf5: %s', args.join(' ')) }

const options = workerData as H5WorkerOptions
const templates = {
  series: Buffer.from(SERIES_TEMPLATE_BASE64, 'base64'),
  results: Buffer.from(RESULTS_TEMPLATE_BASE64, 'base64')
}

interface Entry {
  readonly file: H5File
  lastUsed: number
  series?: H5SeriesFile
  results?: H5ResultsFile
}

const open = new Map<string, Entry>()
let runtime: H5Runtime | undefined

function closeEntry (path: string): void {
  const e = open.get(path)
  if (e === undefined) return
  open.delete(path)
  try {
    e.file.close()
  } catch (err) {
    debug('hdf5: closing %s failed: %s', path, (err as Error).message)
  }
}

function entry (rt: H5Runtime, path: string, write: boolean, kind: 'series' | 'results'): Entry {
  let e = open.get(path)
  if (e !== undefined && write && !e.file.writable) {
    closeEntry(path)
    e = undefined
  }
  if (e === undefined) {
    if (!write && !existsSync(path)) throw new NotFoundError(`${path} does not exist`)
    while (open.size >= options.maxOpenFiles) {
      const oldest = open.keys().next().value as string
      closeEntry(oldest)
    }
    const file = H5File.open(rt, path, {
      write,
      fsync: options.fsync,
      ...(write ? { create: templates[kind] } : {}),
      ...(options.unsafeKillAfterWrites === undefined ? {} : { unsafeKillAfterWrites: options.unsafeKillAfterWrites })
    })
    e = { file, lastUsed: 0 }
  } else {
    open.delete(path)
  }
  // Re-inserted: the Map's order is the least-recently-used order.
  open.set(path, e)
  e.lastUsed = performance.now()
  return e
}

function series (e: Entry): H5SeriesFile {
  e.series ??= new H5SeriesFile(e.file)
  return e.series
}

async function handle (req: H5Request): Promise<unknown> {
  runtime ??= await loadH5Runtime()
  const rt = runtime
  switch (req.op) {
    case 'put-series': {
      const outcome = series(entry(rt, req.file, true, 'series')).put(req.member, new Uint8Array(req.body))
      // events.json completes the series: flushed already; closed now for any reader.
      if (req.member === 'events.json') closeEntry(req.file)
      return outcome
    }
    case 'put-results': {
      const e = entry(rt, req.file, true, 'results')
      e.results ??= new H5ResultsFile(e.file)
      e.results.put(req.table, new Uint8Array(req.body))
      return undefined
    }
    case 'list-series':
      return series(entry(rt, req.file, false, 'series')).listing()
    case 'read-series':
      return series(entry(rt, req.file, false, 'series')).read(req.member)
    case 'close-file':
      closeEntry(req.file)
      return undefined
    case 'close-all':
      for (const path of [...open.keys()]) closeEntry(path)
      return undefined
  }
}

function errorPayload (err: unknown): H5Response & { ok: false } {
  const e = err as Error & { code?: string }
  return { id: -1, ok: false, error: { name: e?.name ?? 'Error', code: typeof e?.code === 'string' ? e.code : undefined, message: e?.message ?? String(err) } }
}

let chain: Promise<void> = Promise.resolve()
parentPort?.on('message', (req: H5Request) => {
  chain = chain.then(async () => {
    let res: H5Response
    try {
      const result = await handle(req)
      res = { id: req.id, ok: true, result }
    } catch (err) {
      res = { ...errorPayload(err), id: req.id }
    }
    const transfer = res.ok && res.result instanceof Uint8Array ? [res.result.buffer as ArrayBuffer] : []
    parentPort?.postMessage(res, transfer)
  })
})

// Idle files are closed by a coarse ticker (never keeps the thread alive).
setInterval(() => {
  const now = performance.now()
  for (const [path, e] of open) if (now - e.lastUsed > options.idleCloseMs) closeEntry(path)
}, Math.max(50, Math.min(5000, options.idleCloseMs / 2))).unref()
