/**
 * `pyme-cluster` entry point: argv → sub-command. Maps PymeError codes to exit codes
 * (exit-codes.ts) and prints one line per error; never a stack trace unless
 * `PYME_DEBUG` is set.
 */
import { readFileSync } from 'node:fs'
import { PymeError } from '../errors.js'
import type { CliIo } from './command.js'
import { watchOutput } from './closed-output.js'
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
    'Documentation ships with the package (node_modules/pyme-cluster/): README.md, docs/cli.md;',
    'exit codes: docs/errors.md.',
    ''
  ].join('\n')
}

/**
 * Runs one CLI invocation with explicit streams; resolves to the exit code. When stdout's
 * reader goes away (`| head`), the command is stopped quietly and the exit code is 0.
 */
export async function main (argv: readonly string[], io: CliIo): Promise<number> {
  const output = watchOutput(io.stdout, io.stderr, io.signal)
  try {
    const code = await dispatch(argv, { ...io, signal: output.signal })
    await output.flushed()
    const failed = output.writeError()
    if (failed !== undefined && !output.readerGone()) return report(failed, io)
    return output.readerGone() ? exitCodes.OK : code
  } catch (err) {
    await output.flushed()
    return output.readerGone() ? exitCodes.OK : report(output.writeError() ?? err, io)
  } finally {
    output.dispose()
  }
}

async function dispatch (argv: readonly string[], io: CliIo): Promise<number> {
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
  return await command.run(rest, io)
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
  if (e?.code === 'EIO' || e?.code === 'ENOSPC' || e?.code === 'EBADF') {
    io.stderr.write(`pyme-cluster: cannot write the output: ${String(e.message)}\n`)
    return exitCodes.FAILURE
  }
  io.stderr.write(`pyme-cluster: ${err instanceof Error ? err.message : String(err)}\n`)
  return exitCodes.FAILURE
}
