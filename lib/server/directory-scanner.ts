/**
 * Runs directory scans (directory-scan.ts) on one lazily started worker thread, so that
 * reading a huge directory costs the event loop only the hand-over. The worker is unref'd
 * (it never keeps the process alive) and terminated by `close()`. If it dies, the scans it
 * held fail with the error and the next scan starts a new worker.
 */
import { Worker } from 'node:worker_threads'
import type { ScanOptions, ScanResult } from './directory-scan.js'

// The worker runs the same kind of file as this one (.ts under the test loader, .js built).
const WORKER_URL = new URL(`./directory-scan-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

interface Pending {
  readonly resolve: (r: ScanResult) => void
  readonly reject: (e: Error) => void
}

export class DirectoryScanner {
  #worker: Worker | undefined
  readonly #pending = new Map<number, Pending>()
  #next = 0
  #closed = false

  /** Scans `dir` on the worker thread. */
  scan (dir: string, opts: ScanOptions): Promise<ScanResult> {
    if (this.#closed) return Promise.reject(new Error('directory scanner closed'))
    const worker = this.#worker ?? this.#start()
    const id = this.#next++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      worker.ref()
      worker.postMessage({ id, dir, opts })
    })
  }

  #start (): Worker {
    const worker = new Worker(WORKER_URL)
    worker.unref()
    worker.on('message', (msg: { id: number, result?: ScanResult, error?: { message: string, code?: string } }) => {
      const p = this.#pending.get(msg.id)
      if (p === undefined) return
      this.#pending.delete(msg.id)
      if (this.#pending.size === 0) worker.unref()
      if (msg.result !== undefined) p.resolve(msg.result)
      else p.reject(Object.assign(new Error(msg.error?.message ?? 'scan failed'), { code: msg.error?.code }))
    })
    const fail = (err: Error): void => {
      if (this.#worker === worker) this.#worker = undefined
      for (const p of this.#pending.values()) p.reject(err)
      this.#pending.clear()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => { fail(new Error(`directory scan worker exited (${code})`)) })
    this.#worker = worker
    return worker
  }

  /** Stops the worker; pending scans fail at once. Idempotent. */
  async close (): Promise<void> {
    this.#closed = true
    const err = new Error('directory scanner closed')
    for (const p of this.#pending.values()) p.reject(err)
    this.#pending.clear()
    const w = this.#worker
    this.#worker = undefined
    if (w === undefined) return
    // Seen under load: terminate() of a busy worker can stay unsettled and its 'exit' never
    // come; bound the wait so that closing a server can never hang on it.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      w.terminate(),
      new Promise((resolve) => { timer = setTimeout(resolve, 2000) })
    ])
    clearTimeout(timer)
  }
}
