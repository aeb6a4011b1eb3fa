/**
 * Test helper: an IPv4 address that swallows TCP SYNs, so connects neither succeed nor fail
 * (for probe and connect timeouts). A veth pair whose far end sits, up but unaddressed, in a
 * network namespace this helper creates: ARP gets no answer and the SYN goes nowhere for
 * about 3 s before the kernel reports EHOSTUNREACH. Addresses from 198.18.0.0/15; the pair and
 * the namespace are removed in teardown. Returns undefined (callers skip) when `ip` fails.
 */
import { execFileSync } from 'node:child_process'
import type { Test } from 'tap'

let counter = 0

function ip (...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

export function silentAddress (t: Test): { address: string, skip: string } {
  const n = ++counter
  const tag = `${process.pid % 100000}x${n}`
  const ns = `pymecl${tag}`
  const a = `pcA${tag}`.slice(0, 15)
  const b = `pcB${tag}`.slice(0, 15)
  const third = (process.pid * 7 + n * 13) % 256
  const local = `198.19.${third}.${(n % 60) * 4 + 1}`
  const remote = `198.19.${third}.${(n % 60) * 4 + 2}`
  try {
    ip('netns', 'add', ns)
    t.teardown(() => { try { ip('netns', 'del', ns) } catch {} })
    ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b)
    t.teardown(() => { try { ip('link', 'del', a) } catch {} })
    ip('link', 'set', b, 'netns', ns)
    ip('addr', 'add', `${local}/30`, 'dev', a)
    ip('link', 'set', a, 'up')
    ip('-n', ns, 'link', 'set', b, 'up')
  } catch (err) {
    return { address: '', skip: `cannot build a veth pair into a network namespace: ${(err as Error).message}` }
  }
  return { address: remote, skip: '' }
}
