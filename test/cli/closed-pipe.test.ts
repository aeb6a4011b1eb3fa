// `pyme-cluster … | head`: when the reader of stdout goes away the command ends quietly with
// status 0 (no EPIPE stack trace, no "write EPIPE" message). Real processes, real pipes, a real
// head(1); the output is far larger than a pipe buffer, so writes after head has gone are certain.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Writable } from 'node:stream'
import { promisify } from 'node:util'
import t from 'tap'
import { main } from '../../lib/cli/main.js'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { captureIo } from './cluster-cli-helpers.js'

const run = promisify(execFile)
const entry = fileURLToPath(new URL('../helpers/cli-process.ts', import.meta.url))
const FILES = 4000 // 4000 names of ~60 characters: ~240 KB of listing, four times a pipe buffer

/** Runs `pyme-cluster <args> | <reader>` in bash; the CLI's own exit status is reported on stderr. */
async function piped (args: readonly string[], reader: string): Promise<{ stdout: string, stderr: string }> {
  const script = `"$@" | ${reader}; echo "pyme-cluster exit status \${PIPESTATUS[0]}" >&2`
  return await run('bash', ['-c', script, 'bash', process.execPath, '--import=@tapjs/typescript/import', entry, ...args], {
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', PYME_CLUSTER: '', PYME_CLUSTER_SERVERS: '' },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    timeout: 120_000
  })
}

t.test('ls, find and get into a pipe closed early: status 0, nothing on stderr', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pyme-pipe-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  const dir = join(root, 'many')
  await mkdir(dir)
  const name = (i: number): string => `frame_with_a_rather_long_name_to_fill_the_pipe_${String(i).padStart(6, '0')}.txt`
  for (let i = 0; i < FILES; i++) await writeFile(join(dir, name(i)), 'x')
  await writeFile(join(root, 'big.bin'), Buffer.alloc(4 * 1024 * 1024, 7))
  const server = await startDataServerForTest(t, { root })
  const servers = ['--servers', server.url]

  let r = await piped(['ls', 'many', ...servers], 'head -1')
  t.equal(r.stdout, `${name(0)}\n`)
  t.equal(r.stderr, 'pyme-cluster exit status 0\n', 'ls: quiet, status 0')

  r = await piped(['find', 'many', ...servers], 'head -2')
  t.equal(r.stdout, `many/${name(0)}\nmany/${name(1)}\n`)
  t.equal(r.stderr, 'pyme-cluster exit status 0\n', 'find: quiet, status 0')

  r = await piped(['get', 'big.bin', '-', '-q', ...servers], 'head -c 10')
  t.equal(r.stdout, '\u0007'.repeat(10))
  t.equal(r.stderr, 'pyme-cluster exit status 0\n', 'get to stdout: quiet, status 0')

  // The whole output when nobody closes the pipe early: the same commands, same servers.
  r = await piped(['ls', 'many', ...servers], 'wc -l')
  t.equal(r.stdout.trim(), String(FILES))
  t.equal(r.stderr, 'pyme-cluster exit status 0\n')
})

t.test('in-process: EPIPE is a quiet stop; another write error (a full disk) is reported, exit 1', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pyme-pipe-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  await writeFile(join(root, 'a.txt'), 'a')
  const server = await startDataServerForTest(t, { root })
  for (const [code, exit, err] of [['EPIPE', 0, ''], ['ENOSPC', 1, /^pyme-cluster: cannot write the output: write ENOSPC\n$/]] as const) {
    const io = captureIo()
    const failing = new Writable({
      write (_chunk, _encoding, callback) { callback(Object.assign(new Error(`write ${code}`), { code })) }
    })
    t.equal(await main(['ls', '--servers', server.url], { ...io, stdout: failing }), exit, code)
    t.match(io.err(), err, code)
  }
})
