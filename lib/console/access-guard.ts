/**
 * `AccessGuard`: who may use the gateway.
 *
 * - With a token (required for any address but loopback): every request carries it, as a
 *   bearer token or as the password of HTTP basic authentication (any user name: WebDAV
 *   clients only speak basic). Both sides are hashed to 32 bytes and compared with
 *   `timingSafeEqual`, so the time taken says nothing about the token.
 * - Without a token (loopback only): requests must name a loopback host in `Host`, so that a
 *   web page cannot reach the gateway through a DNS name rebound to 127.0.0.1.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import { InvalidArgumentError } from '../errors.js'

/** A refusal: status, headers and a reason. */
export interface AccessRefusal {
  readonly status: 401 | 403
  readonly headers: Readonly<Record<string, string>>
  readonly reason: string
}

const REALM = 'Basic realm="pyme-cluster console", charset="UTF-8"'

/** True for an address or name that only this machine can reach. */
export function isLoopbackHost (host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (isIP(h) === 4) return h.startsWith('127.')
  return h === '::1' || h === '0:0:0:0:0:0:0:1'
}

/** A fresh random token (192 bits, URL-safe). */
export function generateToken (): string {
  return randomBytes(24).toString('base64url')
}

function digest (s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}

/** The host name of a `Host` header (`name:port`, `[v6]:port`). */
function hostName (header: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d*)?$/.exec(header.trim())
  return m === null ? header : (m[1] as string)
}

export class AccessGuard {
  readonly #token: Buffer | null

  /** `token` null: no authentication, loopback `Host` names only. */
  constructor (token: string | null) {
    if (token !== null && (typeof token !== 'string' || token.length < 8 || /[\s:]/.test(token))) {
      throw new InvalidArgumentError('invalid token: expected at least 8 characters, no spaces or colons')
    }
    this.#token = token === null ? null : digest(token)
  }

  /** True when requests must carry the token. */
  get authenticated (): boolean { return this.#token !== null }

  /** Undefined when the request may go on, else why not. */
  check (req: IncomingMessage): AccessRefusal | undefined {
    if (this.#token === null) {
      const host = req.headers.host
      if (host !== undefined && !isLoopbackHost(hostName(host))) {
        return { status: 403, headers: {}, reason: `the console serves loopback names only without a token (Host: ${hostName(host)}); start it with --token to share it` }
      }
      return undefined
    }
    const given = presented(req.headers.authorization)
    // Compare digests of equal length whatever was sent: no early exit, no length leak.
    const ok = timingSafeEqual(digest(given ?? ''), this.#token) && given !== undefined
    if (ok) return undefined
    return { status: 401, headers: { 'WWW-Authenticate': REALM }, reason: 'authentication required: the token as bearer token or as the basic-auth password' }
  }
}

/** The secret a request presents: a bearer token, or the password of basic authentication. */
function presented (header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(header)
  if (m === null) return undefined
  const scheme = (m[1] as string).toLowerCase()
  const value = m[2] as string
  if (scheme === 'bearer') return value
  if (scheme !== 'basic') return undefined
  const decoded = Buffer.from(value, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? undefined : decoded.slice(colon + 1)
}
