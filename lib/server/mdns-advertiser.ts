/**
 * mDNS / DNS-SD advertisement of a data server as PYME publishes it (PROTOCOL.md §4.2),
 * with bonjour-service:
 *
 *   PTR  _pyme-http._tcp.local                  → <instance>._pyme-http._tcp.local
 *   SRV  <instance>._pyme-http._tcp.local       → port, target <instance>._pyme-http._tcp.local
 *   TXT  <instance>._pyme-http._tcp.local       → one empty string (older PYME waits for TXT)
 *   A    <instance>._pyme-http._tcp.local       → the one IPv4 address we chose
 *
 * The SRV target is the instance FQDN, as python-zeroconf does without `server=`, so the A
 * record is ours alone. bonjour-service would announce every interface's addresses under
 * the host name; we replace the service's records with exactly these. Multicast goes out
 * on one interface only (`interfaceAddress`), never on all of them. `close()` sends the
 * goodbye (TTL 0) and closes the socket.
 */
import { debuglog } from 'node:util'
import type { Bonjour, Service } from 'bonjour-service'
import { openBonjour } from '../internal/multicast-dns.js'
import { SERVICE_DOMAIN, SERVICE_TYPE } from '../internal/service-name.js'

const debug = debuglog('pyme')

export interface MdnsAdvertiserOptions {
  /** Instance name (`PYMEDataServer [cluster]:host - PID:n`). */
  readonly instanceName: string
  readonly port: number
  /** IPv4 address for the A record. */
  readonly address: string
  /** IPv4 address of the interface to multicast on. */
  readonly interfaceAddress: string
}

interface Rr {
  name: string
  type: 'PTR' | 'SRV' | 'TXT' | 'A'
  ttl: number
  data: unknown
}

/** The DNS records of one advertised data server (fresh objects on each call). */
export function serviceRecords (instanceName: string, port: number, address: string): Rr[] {
  const fqdn = `${instanceName}.${SERVICE_DOMAIN}`
  return [
    { name: SERVICE_DOMAIN, type: 'PTR', ttl: 4500, data: fqdn },
    { name: fqdn, type: 'SRV', ttl: 120, data: { port, target: fqdn, priority: 0, weight: 0 } },
    { name: fqdn, type: 'TXT', ttl: 4500, data: [Buffer.alloc(0)] },
    { name: fqdn, type: 'A', ttl: 120, data: address },
    { name: '_services._dns-sd._udp.local', type: 'PTR', ttl: 4500, data: SERVICE_DOMAIN }
  ]
}

export class MdnsAdvertiser {
  readonly #bonjour: Bonjour
  readonly #service: Service
  #closing: Promise<void> | undefined
  /** Resolves once the multicast socket is bound; rejects with the bind error (port 5353 held). */
  readonly bound: Promise<void>

  constructor (options: MdnsAdvertiserOptions) {
    if (options.instanceName.includes('.')) debug('mdns: instance name contains a dot; it will be changed to a dash by bonjour-service')
    const { bonjour, socket } = openBonjour({ interface: options.interfaceAddress, bind: '0.0.0.0' }, (err) => { debug('mdns: send failed: %s', err?.message) })
    this.#bonjour = bonjour
    // multicast-dns reports bind failures (EADDRINUSE, EACCES) as 'error'; unhandled, they
    // would crash the process. A server nobody can discover must not start quietly, so the
    // first one rejects `bound`.
    this.bound = socket === undefined
      ? Promise.resolve()
      : new Promise((resolve, reject) => {
        socket.once('ready', resolve)
        socket.once('error', reject)
      })
    this.bound.catch(() => { /* seen by whoever awaits it */ })
    socket?.on('error', (err: Error) => { debug('mdns: socket error: %s', err.message) })
    socket?.on('warning', (err: Error) => { debug('mdns: warning: %s', err.message) })
    // probe: true makes bonjour-service announce only after probing (asynchronously), so the
    // records can be replaced before the first packet goes out.
    this.#service = this.#bonjour.publish({ name: options.instanceName, type: SERVICE_TYPE, port: options.port, probe: true, disableIPv6: true })
    this.#service.records = () => serviceRecords(this.#service.name, options.port, options.address)
    debug('mdns: advertising %s on port %d as %s via %s', options.instanceName, options.port, options.address, options.interfaceAddress)
  }

  /** Sends the goodbye and closes the multicast socket. Idempotent. */
  close (): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      const done = (): void => {
        this.#bonjour.destroy(() => resolve())
      }
      // Bounded: a goodbye that cannot be sent must not keep close() waiting.
      const timer = setTimeout(done, 1000)
      const stop = this.#service.stop as ((done: () => void) => void) | undefined
      stop?.call(this.#service, () => {
        clearTimeout(timer)
        done()
      })
    })
    return this.#closing
  }
}
