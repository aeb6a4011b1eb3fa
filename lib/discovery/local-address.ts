/**
 * Is an address this machine's? Used to put local data servers first (PROTOCOL.md §4.6) and
 * to decide whether a server's root can be read from disk (local bypass, §5.6).
 */
import { isIP } from 'node:net'
import { networkInterfaces } from 'node:os'

/** True for loopback (`127.0.0.0/8`, `::1`, `localhost`) and for any address of a local interface. */
export function isLocalAddress (address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase()
  if (a === 'localhost' || a === '::1' || a === '::ffff:127.0.0.1') return true
  if (isIP(a) === 4 && a.startsWith('127.')) return true
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.address.toLowerCase() === a) return true
    }
  }
  return false
}

/**
 * The IPv4 address to use for multicast on `iface`, which may be an address already or an
 * interface name (`eth1`, `lo`). Undefined when the name is unknown or has no IPv4 address.
 */
export function interfaceAddress (iface: string): string | undefined {
  if (isIP(iface) !== 0) return iface
  const list = networkInterfaces()[iface]
  return list?.find((i) => i.family === 'IPv4')?.address
}
