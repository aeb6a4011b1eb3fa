/**
 * A server's `/__status` (PROTOCOL.md §3.9.1) as a typed `NodeStatus`: PYME's keys, and our
 * server's `Cluster` and `Root`; fields of the wrong type are left out, the raw object kept.
 */
import type { DataServerInfo, KnownServer } from '../discovery/node-directory.js'
import { NodeUnreachableError } from '../errors.js'
import type { NodeStatus } from './cluster-types.js'

/** A known server as the `DataServerInfo` a `NodeStatus` carries. */
export function serverInfo (k: KnownServer): DataServerInfo {
  return { name: k.name, url: k.url, address: k.address, port: k.port, source: k.source, local: k.local }
}

/** The status of a server that was announced (or given) but does not answer a connection. */
export function silentStatus (k: KnownServer): NodeStatus {
  return { server: serverInfo(k), responsive: false, error: new NodeUnreachableError(`${k.url} does not answer${k.reason === '' ? '' : ` (${k.reason})`}`) }
}

function num (v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

/** Picks the well-typed fields of a `/__status` object. */
export function describeStatus (server: DataServerInfo, raw: Record<string, unknown>): NodeStatus {
  const disk = raw['Disk'] as Record<string, unknown> | undefined
  const cpu = raw['CPUUsage']
  const mem = raw['MemUsage']
  const text = (k: string): string | undefined => typeof raw[k] === 'string' ? raw[k] : undefined
  const out: { -readonly [K in keyof NodeStatus]: NodeStatus[K] } = { server, responsive: true, raw }
  const cluster = text('Cluster')
  const root = text('Root')
  const computerName = text('ComputerName')
  const uptime = text('Uptime')
  if (cluster !== undefined) out.cluster = cluster
  if (root !== undefined) out.root = root
  if (computerName !== undefined) out.computerName = computerName
  if (uptime !== undefined) out.uptime = uptime
  if (disk !== null && typeof disk === 'object') {
    const total = num(disk['total'])
    const used = num(disk['used'])
    const free = num(disk['free'])
    if (total !== undefined && used !== undefined && free !== undefined) out.disk = { total, used, free }
  }
  if (Array.isArray(cpu) && cpu.every((c) => num(c) !== undefined)) out.cpuUsage = cpu as number[]
  if (mem !== null && typeof mem === 'object' && !Array.isArray(mem)) {
    const m: Record<string, number> = {}
    for (const [k, v] of Object.entries(mem)) if (num(v) !== undefined) m[k] = v as number
    out.memUsage = m
  }
  return out
}
