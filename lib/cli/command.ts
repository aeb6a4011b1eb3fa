/**
 * The shape of one CLI sub-command. Each command lives in its own file
 * (`lib/cli/<name>-command.ts`) and is listed in `commands.ts`.
 */
import type { Writable } from 'node:stream'

/** What a command may touch: its streams, environment and an abort signal (SIGINT/SIGTERM). */
export interface CliIo {
  readonly stdout: Writable
  readonly stderr: Writable
  readonly env: NodeJS.ProcessEnv
  /** Aborted on SIGINT/SIGTERM; long-running commands shut down cleanly when it fires. */
  readonly signal: AbortSignal
}

/**
 * A sub-command: `run` resolves to the process exit code (see exit-codes.ts). Its one-line
 * summary lives in commands.ts, so that `--help` lists every command without loading it.
 */
export interface Command {
  readonly name: string
  /** Full `--help` text. */
  readonly usage: string
  run (args: readonly string[], io: CliIo): Promise<number>
}
