/**
 * The controller's handle on one client process (acquire, resume or verify script): starts
 * it where the clients run, follows its JSON lines, waits for conditions on its progress
 * (event-driven, each wait bounded in time), releases its holds, kills it, and reads its
 * result file once it has exited cleanly.
 */
import { type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { FaultCluster } from './fault-cluster.js'
import type { AcquireConfig, ProgressLine, ResumeConfig, VerifyConfig } from './fault-config.js'

const REPO = fileURLToPath(new URL('../..', import.meta.url))

/** A client script of this folder. */
export type ClientScript = 'acquire-main.ts' | 'resume-main.ts' | 'verify-main.ts'

interface Waiter {
  readonly test: (p: ProgressLine) => boolean
  readonly resolve: (p: ProgressLine) => void
  readonly reject: (err: Error) => void
  readonly timer: NodeJS.Timeout
}

export class ClientProcess {
  readonly name: string
  /** The latest progress line. */
  progress: ProgressLine | null = null
  /** Pid of the node process itself (from its first line). */
  pid = 0
  readonly #child: ChildProcess
  readonly #out: string
  readonly #waiters = new Set<Waiter>()
  readonly #holds: number[] = []
  #holdWaiter: ((frame: number) => void) | null = null
  #stderr = ''
  readonly #exit: Promise<{ code: number | null, signal: NodeJS.Signals | null }>

  constructor (fc: FaultCluster, script: ClientScript, config: AcquireConfig | ResumeConfig | VerifyConfig, name: string) {
    this.name = name
    this.#out = config.out
    const file = fileURLToPath(new URL(`./${script}`, import.meta.url))
    this.#child = fc.spawnClient(process.execPath, ['--expose-gc', '--import=@tapjs/typescript/import', file, JSON.stringify(config)], {
      cwd: REPO,
      // TMPDIR: nothing of a client may reach the machine's real PYME registry or temp files.
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TMPDIR: fc.tempDir(`tmp-${name}`) },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    this.#child.stderr?.on('data', (c: Buffer) => { this.#stderr = (this.#stderr + c.toString()).slice(-8000) })
    createInterface({ input: this.#child.stdout! }).on('line', (line) => { this.#line(line) })
    this.#exit = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        for (const w of this.#waiters) this.#settle(w, new Error(`${name} exited (${code ?? signal}) while waiting: ${this.#stderr.slice(-2000)}`))
        resolve({ code, signal })
      })
    })
    this.#child.stdin?.on('error', () => { /* the client is gone; its exit is reported */ })
  }

  #line (line: string): void {
    let msg: { type?: string, pid?: number, frame?: number }
    try {
      msg = JSON.parse(line) as typeof msg
    } catch {
      return
    }
    if (msg.type === 'start' && typeof msg.pid === 'number') this.pid = msg.pid
    else if (msg.type === 'hold' && typeof msg.frame === 'number') {
      const w = this.#holdWaiter
      this.#holdWaiter = null
      if (w === null) this.#holds.push(msg.frame)
      else w(msg.frame)
    } else if (msg.type === 'progress') {
      const p = msg as unknown as ProgressLine
      this.progress = p
      for (const w of this.#waiters) if (w.test(p)) this.#settle(w, p)
    }
  }

  #settle (w: Waiter, outcome: ProgressLine | Error): void {
    if (!this.#waiters.delete(w)) return
    clearTimeout(w.timer)
    if (outcome instanceof Error) w.reject(outcome)
    else w.resolve(outcome)
  }

  /** Resolves with the first progress line (the latest included) that passes `test`. */
  waitFor (what: string, test: (p: ProgressLine) => boolean, timeoutMs = 120_000): Promise<ProgressLine> {
    if (this.progress !== null && test(this.progress)) return Promise.resolve(this.progress)
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        test,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#settle(w, new Error(`${this.name}: no progress line with ${what} within ${timeoutMs} ms (last: ${JSON.stringify(this.progress)})`))
        }, timeoutMs)
      }
      this.#waiters.add(w)
    })
  }

  /** Resolves when the client stops at its next hold (returns the frame count). */
  nextHold (timeoutMs = 120_000): Promise<number> {
    const queued = this.#holds.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`${this.name}: no hold within ${timeoutMs} ms`)) }, timeoutMs)
      this.#holdWaiter = (frame) => {
        clearTimeout(timer)
        resolve(frame)
      }
    })
  }

  /** Lets the client go on after a hold. */
  release (): void {
    this.#child.stdin?.write('\n')
  }

  /** Sends a signal to the client's node process. */
  kill (signal: NodeJS.Signals): void {
    if (this.pid > 0) {
      try { process.kill(this.pid, signal) } catch { /* already gone */ }
    } else {
      this.#child.kill(signal)
    }
  }

  /** Resolves when the process has exited. */
  exited (): Promise<{ code: number | null, signal: NodeJS.Signals | null }> {
    return this.#exit
  }

  /** Waits (bounded) for a clean exit and reads the result file. */
  async result<T> (timeoutMs = 300_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const exit = await Promise.race([
      this.#exit,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          this.kill('SIGKILL')
          reject(new Error(`${this.name} did not finish within ${timeoutMs} ms (last: ${JSON.stringify(this.progress)}): ${this.#stderr.slice(-2000)}`))
        }, timeoutMs)
      })
    ]).finally(() => clearTimeout(timer))
    if (exit.code !== 0) throw new Error(`${this.name} failed (${exit.code ?? exit.signal}): ${this.#stderr.slice(-3000)}`)
    return JSON.parse(readFileSync(this.#out, 'utf8')) as T
  }
}

/** Path of a client's result file in the cluster's temp base. */
export function resultPath (fc: FaultCluster, name: string): string {
  return join(fc.tempDir('results'), `${name}.json`)
}
