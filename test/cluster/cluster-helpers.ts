/**
 * Test helpers for the cluster client: connect a `Cluster` to real data servers (static
 * list, no registry, no mDNS), and write a file as *another* client would (a plain PUT), so
 * that tests can tell what this client's caches know from what the servers hold.
 */
import type { Test } from 'tap'
import { request } from 'undici'
import { Cluster } from '../../lib/cluster/cluster.js'
import type { ClusterOptions } from '../../lib/cluster/cluster-options.js'
import type { DataServer } from '../../lib/server/index.js'

export async function connectTo (t: Test, servers: readonly DataServer[], options: ClusterOptions = {}): Promise<Cluster> {
  const cluster = await Cluster.connect({
    cluster: 'testc',
    servers: servers.map((s) => s.url),
    registry: false,
    env: {},
    probeIntervalMs: 60_000,
    retryDelayMs: 20,
    ...options
  })
  t.teardown(() => cluster.close())
  return cluster
}

/** PUT by another client; resolves to the status code. */
export async function putBehindClient (server: DataServer, path: string, body: string | Buffer): Promise<number> {
  const res = await request(`${server.url}${path}`, { method: 'PUT', body })
  await res.body.dump()
  return res.statusCode
}
