/**
 * Discovery source browsing mDNS for `_pyme-http._tcp.local.` (PROTOCOL.md §4.2–§4.3) with
 * bonjour-service. PYME's A record is for the instance name itself; bonjour-service's own
 * advertiser leaves loopback and other internal addresses out of its A records, so the
 * answer's source address is tried after the record's IPv4 addresses.
 */
import { isIPv4 } from 'node:net'
import { debuglog } from 'node:util'
import type { Bonjour, Browser, Service } from 'bonjour-service'
import { InvalidArgumentError } from '../errors.js'
import { openBonjour } from '../internal/multicast-dns.js'
import { matchesCluster, SERVICE_TYPE, type ClusterMatch } from '../internal/service-name.js'
import { interfaceAddress } from './local-address.js'
import type { CandidateSink, DiscoverySource } from './node-directory.js'

const debug = debuglog('pyme')

export interface MdnsBrowserOptions {
  readonly cluster: string
  readonly match: ClusterMatch
  /** Interface name or IPv4 address to browse on. @default every interface */
  readonly interface?: string
}

export class MdnsBrowser implements DiscoverySource {
  readonly kind = 'mdns'
  readonly #cluster: string
  readonly #match: ClusterMatch
  readonly #interface: string | undefined
  #bonjour: Bonjour | null = null
  #browser: Browser | null = null
  #answers = 0
  #error = ''

  constructor (options: MdnsBrowserOptions) {
    this.#cluster = options.cluster
    this.#match = options.match
    if (options.interface !== undefined) {
      const address = interfaceAddress(options.interface)
      if (address === undefined) throw new InvalidArgumentError(`invalid mdns.interface '${options.interface}': no such interface with an IPv4 address`)
      this.#interface = address
    } else {
      this.#interface = undefined
    }
  }

  start (sink: CandidateSink): void {
    // Pinned to one interface we must bind the wildcard address: a socket bound to a unicast
    // address does not receive multicast on Linux.
    const opts = this.#interface === undefined ? {} : { interface: this.#interface, bind: '0.0.0.0' }
    const failed = (err: Error): void => {
      this.#error = err.message
      debug('discovery: mDNS error: %s', err.message)
    }
    // Send errors come through bonjour-service; a port 5353 multicast-dns cannot bind
    // (EADDRINUSE: held without SO_REUSEADDR; EACCES) is its socket's 'error', which, unheard,
    // would end the process. Either way other sources go on.
    const { bonjour, socket } = openBonjour(opts, failed)
    socket?.on('error', failed)
    this.#bonjour = bonjour
    const browser = this.#bonjour.find({ type: SERVICE_TYPE, protocol: 'tcp' })
    const up = (service: Service): void => {
      this.#answers++
      const name = service.name
      if (typeof name !== 'string' || !matchesCluster(name, this.#cluster, this.#match)) return
      const addresses = (service.addresses ?? []).filter((a) => isIPv4(a))
      const from = service.referer?.address
      if (from !== undefined && isIPv4(from) && !addresses.includes(from)) addresses.push(from)
      if (typeof service.port !== 'number' || addresses.length === 0) return
      sink.upsert({ name, addresses, port: service.port, source: 'mdns' })
    }
    browser.on('up', up)
    browser.on('srv-update', up)
    browser.on('down', (service: Service) => {
      if (typeof service.name === 'string') sink.remove(service.name, 'mdns')
    })
    this.#browser = browser
  }

  refresh (): void {
    this.#browser?.update()
  }

  describe (): string {
    const where = this.#interface ?? 'every interface'
    if (this.#error !== '') return `mDNS on ${where} failed: ${this.#error}`
    const heard = this.#answers === 0 ? 'no answers' : `${this.#answers} answers, none of them answering or of this cluster`
    return `mDNS on ${where}: ${heard}; multicast may be blocked or routed elsewhere; try --servers or the local registry`
  }

  close (): Promise<void> {
    const bonjour = this.#bonjour
    this.#browser?.stop()
    this.#browser = null
    this.#bonjour = null
    if (bonjour === null) return Promise.resolve()
    return new Promise((resolve) => { bonjour.destroy(() => { resolve() }) })
  }
}
