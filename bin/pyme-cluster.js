#!/usr/bin/env node
// Process shell around dist/cli/main.js: real streams, and SIGINT/SIGTERM turned into an
// abort signal so that long-running commands (serve, demo) shut down cleanly. A second
// signal exits at once.
import { main } from '../dist/cli/main.js'

const ac = new AbortController()
let signals = 0
const onSignal = () => {
  if (++signals > 1) process.exit(130)
  ac.abort()
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: ac.signal
})
process.off('SIGINT', onSignal)
process.off('SIGTERM', onSignal)
