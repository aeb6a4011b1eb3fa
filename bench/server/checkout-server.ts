/**
 * A data server process, `pyme-cluster serve` from the compiled `dist/` of a checkout of this
 * repository: the server as users run it (no TypeScript loader in its heap, whose 20 MB would
 * make every major GC dearer than in production). Benches that put the server of two commits
 * side by side in one session run another checkout's build: `git worktree add /tmp/before
 * <commit> && (cd /tmp/before && npm ci && npm run build)`, then `--baseline /tmp/before`.
 * Without a checkout, this repository's own build runs (the bench's npm script builds it).
 *
 * The handle has the pid (for /proc CPU readings) and stops the server with SIGTERM.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const REPO = fileURLToPath(new URL('../..', import.meta.url))

export interface CheckoutServer {
  readonly url: string
  readonly pid: number
  stop (): Promise<void>
}

/** Starts `pyme-cluster serve` of `checkout` (default: this repository) on `root`, port 0, not advertised. */
export async function startCheckoutServer (root: string, checkout = REPO, extraArgs: readonly string[] = []): Promise<CheckoutServer> {
  const bin = join(checkout, 'bin/pyme-cluster.js')
  if (!existsSync(join(checkout, 'dist/cli/main.js'))) throw new Error(`${checkout} has no build: run npm run build there first`)
  const child = spawn(process.execPath, [bin, 'serve', '--root', root, '--port', '0', '--host', '127.0.0.1', '--advertise', 'none', '--cluster', 'bench', ...extraArgs], {
    cwd: checkout,
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const exited = once(child, 'exit')
  const first = once(createInterface({ input: child.stdout }), 'line') as Promise<[string]>
  const [line] = await Promise.race([first, exited.then(() => { throw new Error(`the server of ${checkout} exited before it was ready`) })])
  child.stdout.resume()
  const url = /listening on (\S+)/.exec(line)?.[1]
  if (url === undefined || child.pid === undefined) throw new Error(`unexpected server output: ${line}`)
  return {
    url,
    pid: child.pid,
    async stop () {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await exited
      }
    }
  }
}
