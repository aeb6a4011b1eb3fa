/**
 * Progress of `get` / `put` on stderr: a live line on a terminal (at most four updates a
 * second, no timers), and one summary line for large transfers. A pass-through Transform
 * that counts bytes; chunks are passed on as they are (no copy).
 */
import { Transform, type TransformCallback } from 'node:stream'
import type { CliIo } from './command.js'
import { humanSize } from './cluster-options.js'

/** Transfers at least this large get a summary line. */
export const PROGRESS_THRESHOLD = 8 * 1024 * 1024

export class TransferProgress extends Transform {
  bytes = 0
  readonly #io: CliIo
  readonly #label: string
  readonly #total: number | undefined
  readonly #quiet: boolean
  readonly #tty: boolean
  readonly #start = performance.now()
  #lastDraw = 0

  constructor (io: CliIo, label: string, total: number | undefined, quiet: boolean) {
    super()
    this.#io = io
    this.#label = label
    this.#total = total
    this.#quiet = quiet
    this.#tty = (io.stderr as { isTTY?: boolean }).isTTY === true
  }

  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length
    if (this.#tty && !this.#quiet && this.#large()) {
      const now = performance.now()
      if (now - this.#lastDraw >= 250) {
        this.#lastDraw = now
        const pct = this.#total === undefined || this.#total === 0 ? '' : ` (${Math.floor(this.bytes / this.#total * 100)}%)`
        const of = this.#total === undefined ? '' : ` / ${humanSize(this.#total)}`
        this.#io.stderr.write(`\r${this.#label}: ${humanSize(this.bytes)}${of}${pct}\u001b[K`)
      }
    }
    callback(null, chunk)
  }

  /** Prints the summary line (large transfers only, unless quiet). */
  done (): void {
    if (this.#quiet || !this.#large()) return
    const s = (performance.now() - this.#start) / 1000
    const rate = s > 0 ? `, ${humanSize(this.bytes / s)}/s` : ''
    this.#io.stderr.write(`${this.#tty ? '\r' : ''}${this.#label}: ${humanSize(this.bytes)} in ${s.toFixed(2)} s${rate}${this.#tty ? '\u001b[K' : ''}\n`)
  }

  #large (): boolean {
    return (this.#total ?? this.bytes) >= PROGRESS_THRESHOLD
  }
}
