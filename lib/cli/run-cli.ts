/**
 * The `pyme-cluster` process: `main()` over the real streams and environment, with the
 * process's own life turned into the commands' abort signal, so that long-running commands
 * (`serve`, `demo`) shut down cleanly however they are stopped:
 *
 *   SIGINT, SIGTERM        → abort (a second one ends the process by that signal at once)
 *   npm's shell went away  → abort. `npx pyme-cluster serve` (and `npm run` scripts) run us
 *                            below `sh -c`; npm passes a SIGTERM on to that shell, which dies
 *                            of it without passing it on, and we would serve on as an orphan.
 *                            Started by npm, we notice the new parent. (Not otherwise: a server
 *                            started with `nohup … &` must outlive the shell that started it.)
 *
 * bin/pyme-cluster.js calls `runCli()` from dist/; the tests run it from the sources.
 */
import { main } from './main.js'

/** How often the parent is checked, ms: the delay of a stop through `npx` at most. */
const PARENT_CHECK_MS = 500

/** Runs the command line `argv` (default: this process's arguments) and sets `process.exitCode`. */
export async function runCli (argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const ac = new AbortController()
  const signals = ['SIGINT', 'SIGTERM'] as const
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!ac.signal.aborted) {
      ac.abort()
      return
    }
    // A second signal: stop waiting for a clean shutdown; die of the signal as a process should.
    for (const s of signals) process.removeAllListeners(s)
    process.kill(process.pid, signal)
  }
  for (const s of signals) process.on(s, onSignal)
  const parent = process.ppid
  const watch = process.env['npm_lifecycle_event'] === undefined
    ? undefined
    : setInterval(() => { if (process.ppid !== parent) onSignal('SIGTERM') }, PARENT_CHECK_MS).unref()
  try {
    const code = await main(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: ac.signal })
    process.exitCode = code
    return code
  } finally {
    clearInterval(watch)
    for (const s of signals) process.off(s, onSignal)
  }
}
