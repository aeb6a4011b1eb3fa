/**
 * `pyme-cluster` entry point: argv → sub-command. Maps PymeError codes to exit codes
 * (exit-codes.ts) and prints one line per error; never a stack trace unless
 * `PYME_DEBUG` is set.
 */
import { readFileSync } from 'node:fs'
import { PymeError } from '../errors.js'
import type { CliIo } from './command.js'
import { commands } from './commands.js'
import { exitCodeFor, exitCodes } from './exit-codes.js'

function version (): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

function overview (): string {
  const names = Object.keys(commands)
  const width = Math.max(8, ...names.map((n) => n.length))
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${commands[n]?.summary ?? ''}`)
  return [
    'Usage: pyme-cluster <command> [options]',
    '',
    'Stream scientific-camera frames into a PYME-compatible cluster file system.',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `pyme-cluster <command> --help` for the options of one command.',
    'Exit codes: see docs/errors.md.',
    ''
  ].join('\n')
}

/** Runs one CLI invocation with explicit streams; resolves to the exit code. */
export async function main (argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(overview())
    return name === undefined ? exitCodes.USAGE : exitCodes.OK
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(version() + '\n')
    return exitCodes.OK
  }
  const entry = commands[name]
  if (entry === undefined) {
    io.stderr.write(`pyme-cluster: unknown command '${name}'\n\n` + overview())
    return exitCodes.USAGE
  }
  const command = await entry.load()
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.usage.endsWith('\n') ? command.usage : command.usage + '\n')
    return exitCodes.OK
  }
  try {
    return await command.run(rest, io)
  } catch (err) {
    return report(err, io)
  }
}

function report (err: unknown, io: CliIo): number {
  if (io.env['PYME_DEBUG'] !== undefined && err instanceof Error) io.stderr.write(`${err.stack ?? ''}\n`)
  if (err instanceof PymeError) {
    io.stderr.write(`pyme-cluster: ${err.message} (${err.code})\n`)
    return exitCodeFor(err.code)
  }
  const e = err as { code?: unknown, message?: unknown }
  if (e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ||
      e?.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    io.stderr.write(`pyme-cluster: ${String(e.message)}\n`)
    return exitCodes.USAGE
  }
  io.stderr.write(`pyme-cluster: ${err instanceof Error ? err.message : String(err)}\n`)
  return exitCodes.FAILURE
}
