import type { IncomingMessage } from 'node:http'
import t from 'tap'
import { AccessGuard, generateToken, isLoopbackHost } from '../../lib/console/access-guard.js'
import { InvalidArgumentError } from '../../lib/errors.js'

function req (headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage
}

t.test('loopback names', async (t) => {
  for (const h of ['localhost', 'LOCALHOST', 'a.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1']) t.ok(isLoopbackHost(h), h)
  for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.org', '128.0.0.1', 'localhost.example.org', '']) t.notOk(isLoopbackHost(h), h)
})

t.test('without a token: loopback Host names only (no DNS rebinding)', async (t) => {
  const g = new AccessGuard(null)
  t.equal(g.authenticated, false)
  t.equal(g.check(req({})), undefined, 'no Host (HTTP/1.0 tools)')
  for (const host of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080', 'localhost']) t.equal(g.check(req({ host })), undefined, host)
  for (const host of ['evil.example:8080', '10.1.2.3', '[2001:db8::1]:80']) t.equal(g.check(req({ host }))?.status, 403, host)
})

t.test('with a token: bearer or basic password, anything else 401', async (t) => {
  const token = generateToken()
  t.match(token, /^[A-Za-z0-9_-]{32}$/)
  t.not(generateToken(), token)
  const g = new AccessGuard(token)
  t.equal(g.authenticated, true)
  const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`
  t.equal(g.check(req({ authorization: `Bearer ${token}`, host: 'anything:1' })), undefined)
  t.equal(g.check(req({ authorization: `bearer ${token}` })), undefined, 'scheme case-insensitive')
  t.equal(g.check(req({ authorization: basic('me', token) })), undefined)
  t.equal(g.check(req({ authorization: basic('', token) })), undefined, 'any user name')
  for (const authorization of [undefined, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, basic(token, 'x'), `Basic ${Buffer.from(token).toString('base64')}`,
    `Digest ${token}`, 'Bearer', `Bearer  ${token} extra`, '']) {
    const r = g.check(req(authorization === undefined ? {} : { authorization }))
    t.equal(r?.status, 401, String(authorization))
    t.match(r?.headers['WWW-Authenticate'], /^Basic realm=/)
  }
  for (const bad of ['short', 'has space here', 'has:colon-inside', 12345678 as unknown as string]) t.throws(() => new AccessGuard(bad), InvalidArgumentError)
})
