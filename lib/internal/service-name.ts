/**
 * mDNS / registry instance names of PYME data servers (PROTOCOL.md §4.1, §4.6):
 *
 *   PYMEDataServer [<cluster>]:<computer> - PID:<pid>      (at most 63 characters)
 *
 * The base before `PID:` is cut to `63 - 4 - len(pid)` characters, as PYME does, so a long
 * cluster or computer name can lose its tail (and even the `]`).
 */
import { InvalidArgumentError } from '../errors.js'

/** DNS-SD service type label of PYME data servers (`_pyme-http._tcp.local.`). */
export const SERVICE_TYPE = 'pyme-http'
/** Full DNS-SD service domain. */
export const SERVICE_DOMAIN = '_pyme-http._tcp.local'
const MAX_INSTANCE = 63

/** Throws unless `name` can be a cluster name: no `.` (splits the DNS label), `[` or `]`. */
export function validateClusterName (name: string, option = 'cluster'): string {
  if (typeof name !== 'string') throw new InvalidArgumentError(`invalid ${option}: expected a string`)
  if (/[.[\]]/.test(name)) throw new InvalidArgumentError(`invalid ${option} '${name}': '.', '[' and ']' are not allowed in cluster names`)
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new InvalidArgumentError(`invalid ${option}: control characters are not allowed`)
  return name
}

/** Result of building an instance name; `truncated` is true when part of the cluster name was lost. */
export interface InstanceName {
  readonly name: string
  readonly truncated: boolean
}

/** Builds the instance name exactly as PYME's `nameUtils.get_service_name` does. */
export function serviceInstanceName (cluster: string, computer: string, pid: number): InstanceName {
  const pidText = String(pid)
  const base = `PYMEDataServer [${cluster}]:${computer} - `
  const chars = [...base]
  const keep = MAX_INSTANCE - 4 - pidText.length
  const cut = chars.length > keep ? chars.slice(0, keep).join('') : base
  const truncated = !cut.startsWith(`PYMEDataServer [${cluster}]`)
  return { name: `${cut}PID:${pidText}`, truncated }
}

/** The bracketed cluster name in an instance name, or undefined when there is none. */
export function clusterOfInstance (instance: string): string | undefined {
  const m = /^PYMEDataServer \[([^\]]*)\]/.exec(instance)
  return m?.[1]
}

/** How a serverfilter selects instances: `'exact'` (ours, default) or PYME's `'substring'`. */
export type ClusterMatch = 'exact' | 'substring'

/**
 * Does the instance belong to the cluster? `exact` compares the bracketed name; `substring`
 * reproduces PYME (`serverfilter in instance_name`, case-sensitive; `''` matches everything).
 */
export function matchesCluster (instance: string, filter: string, match: ClusterMatch = 'exact'): boolean {
  if (match === 'substring') return instance.includes(filter)
  return clusterOfInstance(instance) === filter
}
