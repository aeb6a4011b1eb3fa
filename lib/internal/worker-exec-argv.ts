/**
 * The Node options a worker thread of ours starts with.
 *
 * By default a worker inherits `process.execArgv`. Options that name the main program
 * (`-e`/`--eval`, `-p`/`--print`, `--input-type`, `--test*`, `--watch*`, `-c`/`--check`,
 * `-i`, `--run`) make a worker that runs a file fail at start ("--input-type can only be
 * used with string input…"), so they are left out. Loaders (`--import`, `--require`,
 * `--loader`), `--conditions`, `--enable-source-maps` and the like are kept: the worker
 * needs them to load the same code. An explicit list refuses V8 and process-wide options
 * (`--expose-gc`, `--max-old-space-size`, `--title`: ERR_WORKER_INVALID_EXEC_ARGV); those
 * apply to the whole process anyway, so the narrower {@link workerExecArgvFallback} drops them.
 */

// Options that take their value as the next argument when written without `=`.
const DROP_WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '--input-type', '--run', '--watch-path',
  '--test-name-pattern', '--test-skip-pattern', '--test-reporter', '--test-reporter-destination', '--test-shard',
  '--test-concurrency', '--test-timeout', '--test-coverage-include', '--test-coverage-exclude'])
const DROP = new Set(['-c', '--check', '-i', '--interactive', '--test', '--watch', '--watch-preserve-output',
  '--test-only', '--test-coverage', '--experimental-test-coverage', '--experimental-test-snapshots',
  '--test-update-snapshots', '--experimental-test-module-mocks', '--experimental-test-isolation'])
// Options a worker accepts in an explicit list and needs in order to load code as its host does.
const KEEP_WITH_VALUE = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions'])

function name (arg: string): string {
  const eq = arg.indexOf('=')
  return eq < 0 ? arg : arg.slice(0, eq)
}

function dropped (n: string): boolean {
  return DROP.has(n) || DROP_WITH_VALUE.has(n) || n.startsWith('--test-')
}

/**
 * `execArgv` for `new Worker(file, { execArgv })`: `undefined` (inherit) when nothing in
 * `execArgv` stops a worker, else `execArgv` without the program options and their values.
 */
export function workerExecArgv (execArgv: readonly string[]): string[] | undefined {
  const out: string[] = []
  let changed = false
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string
    const n = name(arg)
    if (!dropped(n)) {
      out.push(arg)
      continue
    }
    changed = true
    if (n === arg && DROP_WITH_VALUE.has(n)) i++ // its value is the next argument
  }
  return changed ? out : undefined
}

/** Only the options that decide how code loads: for a worker that refused the wider list. */
export function workerExecArgvFallback (execArgv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string
    const n = name(arg)
    if (KEEP_WITH_VALUE.has(n)) {
      out.push(arg)
      if (n === arg && i + 1 < execArgv.length) out.push(execArgv[++i] as string)
    } else if (n === '--enable-source-maps' || n === '--no-warnings' || n.startsWith('--experimental-')) {
      if (!dropped(n)) out.push(arg)
    } else if (n === arg && DROP_WITH_VALUE.has(n)) {
      i++
    }
  }
  return out
}
