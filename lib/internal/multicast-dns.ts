/**
 * The one place where bonjour-service's declared types and what it does part ways:
 * - its constructor's first argument is typed as a `ServiceConfig` but is handed to
 *   multicast-dns as socket options (`interface`, `bind`), which pin multicast to one
 *   interface;
 * - the multicast-dns socket is private (`server.mdns`), yet its 'error' events (EADDRINUSE,
 *   EACCES on port 5353) crash the process unless someone listens.
 */
import type { EventEmitter } from 'node:events'
import { Bonjour, type ServiceConfig } from 'bonjour-service'

/** multicast-dns socket options that bonjour-service passes through. */
export interface MulticastDnsOptions {
  /** IPv4 address of the interface to multicast on. */
  readonly interface?: string
  /** Address to bind (the wildcard: a socket bound to a unicast address receives no multicast). */
  readonly bind?: string
}

/** bonjour-service's private mDNS server, as far as we use it. */
interface BonjourServer {
  readonly mdns?: EventEmitter
}

/** A Bonjour instance on `options`; `onError` gets send and socket errors. */
export function openBonjour (options: MulticastDnsOptions, onError: (err: Error) => void): { bonjour: Bonjour, socket: EventEmitter | undefined } {
  const config: Partial<ServiceConfig> & MulticastDnsOptions = { ...options }
  const bonjour = new Bonjour(config, onError)
  // Element access reaches the private member (typed `any` there); its shape is declared above.
  const server = bonjour['server'] as BonjourServer | undefined
  return { bonjour, socket: server?.mdns }
}
