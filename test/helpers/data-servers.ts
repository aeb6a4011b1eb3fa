/**
 * Real data servers for tests: `startDataServers(t, n)` starts `n` servers on loopback
 * port 0, each with its own temporary root, not advertised; they are closed and their roots
 * removed in the test's teardown.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { startDataServer, type DataServer, type DataServerOptions } from '../../lib/server/index.js'

/** Starts `n` data servers (options apply to each; `root` defaults to a fresh temp dir). */
export async function startDataServers (t: Test, n: number, options: DataServerOptions = {}): Promise<DataServer[]> {
  const servers: DataServer[] = []
  const roots: string[] = []
  t.teardown(async () => {
    await Promise.all(servers.map((s) => s.close()))
    await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })))
  })
  for (let i = 0; i < n; i++) {
    let root = options.root
    if (root === undefined) {
      root = await mkdtemp(join(tmpdir(), `pyme-data-${i}-`))
      roots.push(root)
    }
    servers.push(await startDataServer({ port: 0, advertise: 'none', closeTimeoutMs: 2000, ...options, root }))
  }
  return servers
}

/** One data server (see startDataServers). */
export async function startDataServerForTest (t: Test, options: DataServerOptions = {}): Promise<DataServer> {
  const [server] = await startDataServers(t, 1, options)
  return server as DataServer
}
