// The request-head parser: what it accepts and refuses, as llhttp did for this server.
import t from 'tap'
import { HeadFailure, parseRequestHead, plausibleLineStart, type RequestHead } from '../../../lib/server/http1/request-head.js'

function ok (text: string): RequestHead {
  const head = parseRequestHead(text)
  if (head instanceof HeadFailure) throw new Error(`${JSON.stringify(text)}: ${head.status} ${head.reason}`)
  return head
}

function refused (text: string): [number, string] {
  const head = parseRequestHead(text)
  if (!(head instanceof HeadFailure)) throw new Error(`${JSON.stringify(text)} was accepted`)
  return [head.status, head.reason]
}

t.test('request line: methods, targets, versions', async (t) => {
  const h = ok('PUT /a/b.pzf HTTP/1.1\r\nContent-Length: 5')
  t.same([h.method, h.url, h.httpVersionMajor, h.httpVersionMinor, h.contentLength, h.chunked, h.keepAlive], ['PUT', '/a/b.pzf', 1, 1, 5, false, true])
  t.equal(ok('GET  /x  HTTP/1.1').url, '/x', 'several spaces between the parts')
  t.equal(ok('DELETE /x HTTP/1.1').method, 'DELETE', 'a known method: parsed, refused later by the router')
  t.equal(ok('GET http://h:1/x?q#f HTTP/1.1').url, 'http://h:1/x?q#f')
  t.same(refused('FROB /x HTTP/1.1'), [501, 'Unsupported method'], 'unknown token method')
  t.same(refused('get /x HTTP/1.1'), [501, 'Unsupported method'], 'methods are case-sensitive')
  t.same(refused('CONNECT h:1 HTTP/1.1'), [501, 'Unsupported method'])
  t.same(refused('PRI * HTTP/2.0'), [400, 'Bad Request'])
  t.same(refused('HELLO'), [400, 'Bad Request'])
  t.same(refused('GET\t/x HTTP/1.1'), [400, 'Bad Request'])
  t.same(refused('G(T /x HTTP/1.1'), [400, 'Bad Request'])
  t.same(refused('GET /\u00e4 HTTP/1.1'), [400, 'Bad Request'], 'raw non-ASCII in the target')
  t.same(refused('GET /a\u007f HTTP/1.1'), [400, 'Bad Request'])
  for (const v of ['1.2', '1.9', '3.0', '0.8']) t.same(refused(`GET /x HTTP/${v}`), [400, 'Bad Request'], `HTTP/${v}`)
  t.equal(ok('GET /x HTTP/2.0').httpVersionMajor, 2, 'HTTP/2.0 parses (the router answers 505)')
  t.equal(ok('GET /x HTTP/0.9').keepAlive, false)
  t.same(refused('GET /x HTTX/1.1'), [400, 'Bad Request'])
})

t.test('headers: names, values, duplicates', async (t) => {
  const h = ok('GET /x HTTP/1.1\r\nX-A:  one \t\r\nx-a: two\r\nHost: h1\r\nHOST: h2\r\nX-Utf: \u00c3\u00a4\r\nX-Empty:')
  t.same(h.headers, { 'x-a': 'one, two', host: 'h1', 'x-utf': '\u00c3\u00a4', 'x-empty': '' })
  t.same(refused('GET /x HTTP/1.1\r\nX-A : b'), [400, 'Bad Request'], 'space before the colon')
  t.same(refused('GET /x HTTP/1.1\r\nX-A: b\r\n c'), [400, 'Bad Request'], 'obs-fold')
  t.same(refused('GET /x HTTP/1.1\r\nX-A'), [400, 'Bad Request'], 'no colon')
  t.same(refused('GET /x HTTP/1.1\r\n: b'), [400, 'Bad Request'], 'empty name')
  t.same(refused('GET /x HTTP/1.1\r\nX-A: a\u0001b'), [400, 'Bad Request'], 'control character in a value')
  t.same(refused('GET /x HTTP/1.1\rX-A: b'), [400, 'Bad Request'], 'bare CR')
})

t.test('framing: Content-Length and Transfer-Encoding', async (t) => {
  t.equal(ok('PUT /x HTTP/1.1\r\nContent-Length:  12 ').contentLength, 12)
  t.equal(ok('PUT /x HTTP/1.1\r\nContent-Length: 100000000000000').contentLength, 1e14)
  t.equal(ok('GET /x HTTP/1.1').contentLength, -1)
  for (const bad of ['abc', '+1', '-1', '', '1 2', '99999999999999999999999']) {
    t.same(refused(`PUT /x HTTP/1.1\r\nContent-Length: ${bad}`), [400, 'Bad Content-Length'], `Content-Length: ${bad}`)
  }
  t.same(refused('PUT /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1'), [400, 'Bad Content-Length'], 'twice, even equal')
  t.same(refused('PUT /x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked'), [400, 'Bad Request'])
  t.same(refused('PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3'), [400, 'Bad Content-Length'])
  t.equal(ok('PUT /x HTTP/1.1\r\nTransfer-Encoding: CHUNKED').chunked, true)
  t.equal(ok('PUT /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked').chunked, true)
  t.equal(ok('PUT /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked').chunked, true)
  t.same(refused('PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked'), [400, 'Bad Request'])
  t.same(refused('PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked, gzip'), [400, 'Bad Request'])
  t.same(refused('PUT /x HTTP/1.1\r\nTransfer-Encoding: gzip'), [400, 'Bad Request'], 'a body that cannot be delimited')
})

t.test('keep-alive', async (t) => {
  t.equal(ok('GET /x HTTP/1.1').keepAlive, true)
  t.equal(ok('GET /x HTTP/1.1\r\nConnection: close').keepAlive, false)
  t.equal(ok('GET /x HTTP/1.1\r\nConnection: keep-alive, Close').keepAlive, false)
  t.equal(ok('GET /x HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket').keepAlive, true)
  t.equal(ok('GET /x HTTP/1.0').keepAlive, false)
  t.equal(ok('GET /x HTTP/1.0\r\nConnection: Keep-Alive').keepAlive, true)
})

t.test('plausibleLineStart tells garbage from a request line still arriving', async (t) => {
  t.ok(plausibleLineStart(''))
  t.ok(plausibleLineStart('PU'))
  t.ok(plausibleLineStart('PUT /partial'))
  t.notOk(plausibleLineStart('\u0016\u0003\u0001'), 'a TLS hello')
  t.notOk(plausibleLineStart('G T'.replace(' ', '\u0000')))
})
