import { PassThrough } from 'node:stream'
import t from 'tap'
import { main } from '../../lib/cli/main.js'
import type { CliIo } from '../../lib/cli/command.js'

function io (): CliIo & { out: () => string, err: () => string } {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let o = ''
  let e = ''
  stdout.on('data', (c: Buffer) => { o += c.toString() })
  stderr.on('data', (c: Buffer) => { e += c.toString() })
  return { stdout, stderr, env: {}, signal: new AbortController().signal, out: () => o, err: () => e }
}

t.test('--help lists commands and exits 0; no command exits 2', async (t) => {
  const a = io()
  t.equal(await main(['--help'], a), 0)
  t.match(a.out(), /Usage: pyme-cluster <command>/)
  const b = io()
  t.equal(await main([], b), 2)
})

t.test('--version prints the package version', async (t) => {
  const a = io()
  t.equal(await main(['--version'], a), 0)
  t.match(a.out(), /^\d+\.\d+\.\d+/)
})

t.test('an unknown command is a usage error', async (t) => {
  const a = io()
  t.equal(await main(['no-such-command'], a), 2)
  t.match(a.err(), /unknown command 'no-such-command'/)
})
