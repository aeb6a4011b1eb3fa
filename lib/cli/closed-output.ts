/**
 * A reader that goes away is not a failure: `pyme-cluster ls | head -1` closes the pipe after
 * one line, and the next write fails with EPIPE. `watchOutput` turns that into a quiet stop:
 * the command's abort signal fires with `OUTPUT_CLOSED` as its reason, the command winds down
 * (closing its connections, removing a partial download), and `main` exits 0 without a word,
 * as `ls(1)` would end under SIGPIPE without printing anything. Any other write error on stdout
 * (a full disk behind `> file`) is kept and reported once the command has stopped.
 */
import type { Writable } from 'node:stream'
import type { CliIo } from './command.js'
import { exitCodes } from './exit-codes.js'

/** The abort reason when stdout's reader went away. */
export const OUTPUT_CLOSED: unique symbol = Symbol('pyme-cluster: stdout closed by its reader')

/** What happened to the command's output streams. */
export interface OutputWatch {
  /** Aborted on the caller's signal, or with `OUTPUT_CLOSED` when stdout's reader went away. */
  readonly signal: AbortSignal
  /** True once stdout's reader has gone (EPIPE and the like). */
  readonly readerGone: () => boolean
  /** A stdout write error that is not the reader going away; undefined if none. */
  readonly writeError: () => Error | undefined
  /**
   * Resolves once every write to stdout so far has left (or failed): a write still queued
   * when the command returns may fail later (EPIPE once `head` has gone), and must fail while
   * this watch still listens, or it would crash the process.
   */
  readonly flushed: () => Promise<void>
  /** Removes the listeners (the streams outlive the command in tests). */
  readonly dispose: () => void
}

/**
 * The exit of a command stopped by its abort signal: 130 with one line on stderr for an
 * interrupt (Ctrl-C, SIGTERM); 0 and nothing said when stdout's reader went away.
 */
export function stoppedExit (io: CliIo, who = 'pyme-cluster'): number {
  if (io.signal.reason === OUTPUT_CLOSED) return exitCodes.OK
  io.stderr.write(`${who}: interrupted\n`)
  return exitCodes.INTERRUPTED
}

/** Errors that mean "nobody reads any more", not "the output is broken". */
function isReaderGone (err: NodeJS.ErrnoException): boolean {
  return err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED' || err.code === 'ERR_STREAM_WRITE_AFTER_END'
}

/** Watches `stdout` and `stderr` for the life of one command; see the file comment. */
export function watchOutput (stdout: Writable, stderr: Writable, outer: AbortSignal): OutputWatch {
  const ac = new AbortController()
  let gone = false
  let failed: Error | undefined
  const forward = (): void => { ac.abort(outer.reason) }
  const onStdoutError = (err: NodeJS.ErrnoException): void => {
    if (isReaderGone(err)) gone = true
    else failed ??= err
    if (!ac.signal.aborted) ac.abort(gone ? OUTPUT_CLOSED : err)
  }
  // Nothing can be told on a broken stderr; without a listener its error would crash the process.
  const onStderrError = (): void => {}
  if (outer.aborted) forward()
  else outer.addEventListener('abort', forward, { once: true })
  stdout.on('error', onStdoutError)
  stderr.on('error', onStderrError)
  return {
    signal: ac.signal,
    readerGone: () => gone,
    writeError: () => failed,
    flushed: async () => {
      if (stdout.writableLength === 0 || stdout.destroyed || stdout.writableEnded) return
      // Writes leave in order: an empty write's callback runs when everything before it has.
      await new Promise<void>((resolve) => { stdout.write('', () => { resolve() }) })
    },
    dispose: () => {
      outer.removeEventListener('abort', forward)
      stdout.off('error', onStdoutError)
      stderr.off('error', onStderrError)
    }
  }
}
