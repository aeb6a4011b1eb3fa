// `pyme-cluster` from the sources, as bin/pyme-cluster.js runs it from dist/: for tests that need
// a real process (signals, pipes) without a build. Run with --import=@tapjs/typescript/import.
import { runCli } from '../../lib/cli/run-cli.js'

await runCli()
