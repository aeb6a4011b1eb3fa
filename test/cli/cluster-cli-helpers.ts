/**
 * Test helpers for the cluster commands: an in-memory CliIo, and `run(argv)` that calls
 * `main()` in-process with `--servers` pointing at real data servers (no registry, no mDNS).
 */
import { PassThrough } from 'node:stream'
import type { Test } from 'tap'
import type { CliIo } from '../../lib/cli/command.js'
import { main } from '../../lib/cli/main.js'
import type { DataServer } from '../../lib/server/index.js'

export interface CapturedIo extends CliIo {
  out (): string
  err (): string
  readonly abort: AbortController
}

export function captureIo (env: NodeJS.ProcessEnv = {}, tty = false): CapturedIo {
  const stdout = new PassThrough()
  const stderr = Object.assign(new PassThrough(), { isTTY: tty })
  const abort = new AbortController()
  let o = ''
  let e = ''
  stdout.on('data', (c: Buffer) => { o += c.toString() })
  stderr.on('data', (c: Buffer) => { e += c.toString() })
  return { stdout, stderr, env, signal: abort.signal, abort, out: () => o, err: () => e }
}

export interface CliRun {
  readonly code: number
  readonly out: string
  readonly err: string
}

/** Runs one command against `servers` (cluster name 'clic'). */
export function cli (t: Test, servers: readonly DataServer[]) {
  return async (argv: readonly string[], io: CapturedIo = captureIo()): Promise<CliRun> => {
    const [command, ...rest] = argv
    const code = await main([command as string, ...rest, '--cluster', 'clic', '--servers', servers.map((s) => s.url).join(','), '--no-registry'], io)
    t.comment(`$ pyme-cluster ${argv.join(' ')} → ${code}`)
    return { code, out: io.out(), err: io.err() }
  }
}
