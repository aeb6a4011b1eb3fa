/**
 * Worker thread of DirectoryScanner: scans directories off the event loop. Messages in:
 * `{ id, dir, opts }`; out: `{ id, result }` (typed arrays transferred) or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads'
import { scanDirectory, type ScanOptions } from './directory-scan.js'

interface Job { readonly id: number, readonly dir: string, readonly opts: ScanOptions }

/* c8 ignore next: only ever loaded as a worker, where parentPort exists */
if (parentPort === null) throw new Error('directory-scan-worker must run as a worker thread')
const port = parentPort
port.on('message', (job: Job) => {
  try {
    const result = scanDirectory(job.dir, job.opts)
    port.postMessage({ id: job.id, result }, [result.flags.buffer as ArrayBuffer, result.sizes.buffer as ArrayBuffer])
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    port.postMessage({ id: job.id, error: { message: e.message, code: e.code } })
  }
})
