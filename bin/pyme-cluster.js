#!/usr/bin/env node
// The `pyme-cluster` command. Everything (streams, signals, exit code) is in lib/cli/run-cli.ts;
// this file only loads the build. Supervisors and programs that start servers should run
// `node <this file> serve …` directly (or forward signals): see docs/server.md.
import { runCli } from '../dist/cli/run-cli.js'

await runCli()
