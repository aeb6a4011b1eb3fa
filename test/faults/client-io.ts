/**
 * The side of a fault-suite client process that talks to the controller (see
 * `fault-config.ts`): its config, JSON lines on stdout, holds released by a line on stdin,
 * the acknowledgement record (from the `pyme:streamer:ack` channel, so nothing is missed,
 * metadata.json included), the RSS sampler and the result file.
 */
import { subscribe } from 'node:diagnostics_channel'
import { writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { performance } from 'node:perf_hooks'
import { PymeError, StoreFailedError } from '../../lib/errors.js'
import type { Ack } from '../../lib/streamer/stream-item.js'
import type { StreamReport } from '../../lib/streamer/stream-report.js'
import type { Streamer } from '../../lib/streamer/streamer.js'
import type { AckedFile, ClientResult, StreamSummary, WireError } from './fault-config.js'

/** The JSON config given as the only argument. */
export function readConfig<T> (): T {
  const raw = process.argv[2]
  if (raw === undefined) throw new Error('usage: <script> <json config> (run by the fault suite)')
  return JSON.parse(raw) as T
}

/** Writes one JSON line to the controller. */
export function emit (line: object): void {
  process.stdout.write(JSON.stringify(line) + '\n')
}

/** An error as it crosses the process boundary. */
export function wireError (err: unknown): WireError {
  if (err instanceof PymeError) return { code: err.code, message: err.message }
  if (err instanceof Error) return { code: (err as NodeJS.ErrnoException).code ?? err.name, message: err.message }
  return { code: 'unknown', message: String(err) }
}

/** Resolves on each line the controller writes to stdin (one per hold). */
export class HoldGate {
  readonly #waiting: Array<() => void> = []
  #released = 0

  constructor () {
    createInterface({ input: process.stdin }).on('line', () => {
      const next = this.#waiting.shift()
      if (next === undefined) this.#released++
      else next()
    })
  }

  /** Tells the controller where it stopped and waits for its line. */
  async hold (frame: number): Promise<void> {
    emit({ type: 'hold', frame })
    if (this.#released > 0) {
      this.#released--
      return
    }
    await new Promise<void>((resolve) => { this.#waiting.push(resolve) })
  }

  /** Lets the process exit although stdin stays open. */
  close (): void {
    process.stdin.destroy()
  }
}

/** Every file the streamers of this process acknowledged, by node. */
export class AckRecord {
  readonly byNode: Record<string, AckedFile[]> = {}
  readonly #onAck = (message: unknown): void => {
    const ack = message as Ack
    ;(this.byNode[ack.node] ??= []).push([ack.path, ack.bytes])
  }

  constructor () {
    subscribe('pyme:streamer:ack', this.#onAck)
  }
}

/** Samples the resident set size every `ms` (a coarse timer, unref'd). */
export class RssSampler {
  max = process.memoryUsage.rss()
  readonly #timer: NodeJS.Timeout

  constructor (ms = 50) {
    this.#timer = setInterval(() => { this.sample() }, ms)
    this.#timer.unref()
  }

  sample (): number {
    const rss = process.memoryUsage.rss()
    if (rss > this.max) this.max = rss
    return rss
  }

  stop (): void {
    clearInterval(this.#timer)
    this.sample()
  }
}

/**
 * Live memory after a full collection (`heapUsed + external`, array buffers included), so
 * garbage does not count: the client runs with `--expose-gc`. `warm` is the first sample;
 * `max` the largest. Sampled a few dozen times per run (a collection costs milliseconds).
 */
export class HeapProbe {
  warm = -1
  max = 0
  readonly #gc: () => void

  constructor () {
    const gc = (globalThis as { gc?: () => void }).gc
    if (gc === undefined) throw new Error('run the client with --expose-gc')
    this.#gc = gc
  }

  sample (): number {
    this.#gc()
    const m = process.memoryUsage()
    const live = m.heapUsed + m.external
    if (this.warm < 0) this.warm = live
    if (live > this.max) this.max = live
    return live
  }
}

/** The stream report without its duration, errors made plain. */
export function summariseStream (r: StreamReport | null): StreamSummary | null {
  if (r === null) return null
  const { durationMs: _omitted, failed, ...rest } = r
  return { ...rest, failed: failed.map((f) => ({ path: f.path, error: wireError(f.error) })) }
}

/** The report a `finalize()`/`close()` settles with, also when it rejects with `StoreFailedError`. */
export async function reportOf<R> (settling: Promise<R>): Promise<R> {
  try {
    return await settling
  } catch (err) {
    if (!(err instanceof StoreFailedError) || err.report === undefined) throw err
    return err.report as R
  }
}

/** The memory and acknowledgement record of a client: RSS, live memory after GC, acks. */
export class ClientMeter {
  readonly acks = new AckRecord()
  readonly rss = new RssSampler()
  readonly heap = new HeapProbe()
  readonly #started = performance.now()
  #warmRss = 0

  /** The client is warm (workers started, first files sent): the baseline of the checks. */
  warm (): void {
    this.#warmRss = this.rss.sample()
    this.heap.sample()
  }

  /** The `ClientResult` fields it owns, with the Streamer's memory figures. */
  fields (streamer: Streamer): Pick<ClientResult, 'acks' | 'maxRss' | 'warmRss' | 'warmLive' | 'maxLive' | 'peakBufferedBytes' | 'memoryBudget' | 'durationMs'> {
    this.rss.stop()
    const stats = streamer.stats()
    return {
      acks: this.acks.byNode,
      maxRss: this.rss.max,
      warmRss: this.#warmRss,
      warmLive: this.heap.warm,
      maxLive: this.heap.max,
      peakBufferedBytes: stats.peakBufferedBytes,
      memoryBudget: stats.memoryBudget,
      durationMs: Math.round(performance.now() - this.#started)
    }
  }
}

/** Writes the result file. */
export function writeResult (out: string, result: object): void {
  writeFileSync(out, JSON.stringify(result))
}
