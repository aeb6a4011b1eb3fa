/**
 * Which IPv4 address a data server announces over mDNS, and on which interface it
 * multicasts (PROTOCOL.md §3.3, §4.2). PYME announces `gethostbyname(gethostname())`,
 * which is 127.0.1.1 on many Linux machines: useless on the LAN. We announce the address of
 * a real interface:
 *
 *   1. `interface` given: that interface (by name, e.g. `eth1`, or by one of its IPv4 addresses)
 *   2. `advertiseAddress` given: that address (multicast on the interface that owns it, if any)
 *   3. `host` bound to one IPv4 address: that address
 *   4. the interface of the default route (Linux /proc/net/route), else the first
 *      non-internal IPv4 interface, else loopback
 */
import { readFileSync } from 'node:fs'
import { isIPv4 } from 'node:net'
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os'
import { InvalidArgumentError } from '../errors.js'

export interface AdvertiseTarget {
  /** IPv4 address put in the A record. */
  readonly address: string
  /** IPv4 address of the interface that carries the multicast traffic. */
  readonly interfaceAddress: string
}

export interface AdvertiseAddressOptions {
  readonly interface?: string | undefined
  readonly advertiseAddress?: string | undefined
  readonly host?: string | undefined
}

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>

function ipv4Of (ifaces: Interfaces, name: string): string | undefined {
  return ifaces[name]?.find((a) => a.family === 'IPv4')?.address
}

function ownerOf (ifaces: Interfaces, address: string): string | undefined {
  for (const list of Object.values(ifaces)) {
    if (list?.some((a) => a.family === 'IPv4' && a.address === address) === true) return address
  }
  return undefined
}

/** Name of the interface of the IPv4 default route (Linux), if any. */
export function defaultRouteInterface (routeTable?: string): string | undefined {
  let text = routeTable
  if (text === undefined) {
    try {
      text = readFileSync('/proc/net/route', 'utf8')
    } catch {
      return undefined
    }
  }
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f[1] === '00000000' && f[7] === '00000000' && f[0] !== undefined) return f[0]
  }
  return undefined
}

function isLoopback (address: string): boolean {
  return address.startsWith('127.')
}

/** Picks the announced address and multicast interface. Throws InvalidArgumentError. */
export function resolveAdvertiseTarget (options: AdvertiseAddressOptions, ifaces: Interfaces = networkInterfaces(), routeTable?: string): AdvertiseTarget {
  const { advertiseAddress, host } = options
  if (advertiseAddress !== undefined && !isIPv4(advertiseAddress)) {
    throw new InvalidArgumentError(`invalid advertiseAddress '${advertiseAddress}': expected an IPv4 address (PYME clients use IPv4 only)`)
  }
  if (options.interface !== undefined) {
    const iface = options.interface
    const address = isIPv4(iface) ? ownerOf(ifaces, iface) : ipv4Of(ifaces, iface)
    if (address === undefined) {
      throw new InvalidArgumentError(`invalid interface '${iface}': no such network interface with an IPv4 address`)
    }
    const announced = advertiseAddress ?? address
    if (isLoopback(announced) && !isLoopback(address)) {
      throw new InvalidArgumentError(`invalid advertiseAddress '${announced}': a loopback address is unusable on interface '${iface}'`)
    }
    return { address: announced, interfaceAddress: address }
  }
  if (advertiseAddress !== undefined) {
    return { address: advertiseAddress, interfaceAddress: ownerOf(ifaces, advertiseAddress) ?? (isLoopback(advertiseAddress) ? '127.0.0.1' : '0.0.0.0') }
  }
  if (host !== undefined && isIPv4(host) && host !== '0.0.0.0') {
    return { address: host, interfaceAddress: ownerOf(ifaces, host) ?? host }
  }
  const route = defaultRouteInterface(routeTable)
  const viaRoute = route === undefined ? undefined : ipv4Of(ifaces, route)
  if (viaRoute !== undefined) return { address: viaRoute, interfaceAddress: viaRoute }
  for (const list of Object.values(ifaces)) {
    const a = list?.find((x) => x.family === 'IPv4' && !x.internal)
    if (a !== undefined) return { address: a.address, interfaceAddress: a.address }
  }
  return { address: '127.0.0.1', interfaceAddress: '127.0.0.1' }
}
