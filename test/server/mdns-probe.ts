/**
 * A one-shot mDNS observer for tests (run in-process or inside a network namespace):
 * queries `_pyme-http._tcp.local` PTR on one interface until PTR, SRV, TXT and A of the
 * instance whose name starts with `prefix` have all arrived, or the time runs out.
 *
 *   node --import=@tapjs/typescript/import test/server/mdns-probe.ts <interfaceIPv4> <prefix> <timeoutMs>
 *
 * prints one JSON line: ObservedService, or {"timeout": true, "seen": [...]}.
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

export interface ObservedService {
  readonly instance: string
  readonly ptr: string
  readonly srv: { readonly port: number, readonly target: string }
  readonly txt: readonly Buffer[]
  readonly a: readonly string[]
}

interface Answer { name: string, type: string, ttl: number, data: unknown }
interface Packet { answers?: Answer[], additionals?: Answer[] }
interface Mdns {
  on (event: 'response', fn: (p: Packet) => void): void
  on (event: 'error' | 'warning', fn: (e: Error) => void): void
  once (event: 'ready', fn: () => void): void
  query (q: { questions: Array<{ name: string, type: string }> }): void
  destroy (cb?: () => void): void
}

const require = createRequire(import.meta.url)
const multicastDns = require('multicast-dns') as (opts: object) => Mdns

const DOMAIN = '_pyme-http._tcp.local'

function open (interfaceAddress: string): Mdns {
  const mdns = multicastDns({ interface: interfaceAddress, bind: '0.0.0.0', port: 5353 })
  mdns.on('error', () => {})
  mdns.on('warning', () => {})
  return mdns
}

/** Resolves true when a goodbye (PTR with TTL 0) for `fqdn` arrives, false after the timeout. */
export function watchGoodbye (interfaceAddress: string, fqdn: string, timeoutMs: number): { readonly ready: Promise<void>, readonly result: Promise<boolean> } {
  const mdns = open(interfaceAddress)
  let done: (v: boolean) => void = () => {}
  const result = new Promise<boolean>((resolve) => { done = resolve })
  const timer = setTimeout(() => done(false), timeoutMs)
  mdns.on('response', (p) => {
    if ((p.answers ?? []).some((rr) => rr.type === 'PTR' && rr.data === fqdn && rr.ttl === 0)) done(true)
  })
  // multicast-dns says 'ready' once bound, after it has joined the group.
  const ready = new Promise<void>((resolve) => { mdns.once('ready', () => resolve()) })
  void result.then(() => {
    clearTimeout(timer)
    mdns.destroy()
  })
  return { ready, result }
}

/** Queries until PTR, SRV, TXT and A of the instance starting with `prefix` have arrived. */
export function observeService (interfaceAddress: string, prefix: string, timeoutMs: number): Promise<ObservedService | { timeout: true, seen: string[] }> {
  const mdns = open(interfaceAddress)
  const seen = new Set<string>()
  let ptr: string | undefined
  let srv: { port: number, target: string } | undefined
  let txt: Buffer[] | undefined
  const a = new Set<string>()
  return new Promise((resolve) => {
    const finish = (value: ObservedService | { timeout: true, seen: string[] }): void => {
      clearInterval(ask)
      clearTimeout(timer)
      mdns.destroy()
      resolve(value)
    }
    mdns.on('response', (p) => {
      for (const rr of [...(p.answers ?? []), ...(p.additionals ?? [])]) {
        seen.add(`${rr.type} ${rr.name}`)
        if (rr.type === 'PTR' && rr.name === DOMAIN && typeof rr.data === 'string' && rr.data.startsWith(prefix) && rr.ttl > 0) ptr = rr.data
        if (ptr === undefined || rr.ttl === 0) continue
        if (rr.type === 'SRV' && rr.name === ptr) srv = rr.data as { port: number, target: string }
        if (rr.type === 'TXT' && rr.name === ptr) txt = rr.data as Buffer[]
        if (rr.type === 'A' && srv !== undefined && rr.name === srv.target) a.add(rr.data as string)
      }
      if (ptr !== undefined && srv !== undefined && txt !== undefined && a.size > 0) {
        finish({ instance: ptr.slice(0, -(DOMAIN.length + 1)), ptr, srv, txt, a: [...a] })
      }
    })
    const query = (): void => { mdns.query({ questions: [{ name: DOMAIN, type: 'PTR' }] }) }
    const ask = setInterval(query, 400)
    query()
    const timer = setTimeout(() => finish({ timeout: true, seen: [...seen] }), timeoutMs)
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [iface, prefix, timeout] = process.argv.slice(2)
  const result = await observeService(iface ?? '127.0.0.1', prefix ?? 'PYMEDataServer', Number(timeout ?? 5000))
  process.stdout.write(JSON.stringify(result) + '\n')
  process.exit(0)
}
