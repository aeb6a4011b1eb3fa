// The server's own HTTP/1.1 engine answers byte for byte as the server did on node:http
// (test/fixtures/server/node-http-answers.json, captured from the node:http server), request
// after request: statuses, reason phrases, header order, Date / Connection, bodies, and whether
// the connection stays open. The few cases where node:http gave no answer at all (or a chunked
// one) are listed below with the answer we give instead, and why.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { WireClient } from './pyme-wire-client.js'

interface Case { readonly name: string, readonly request: string, readonly answer: string }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/server/node-http-answers.json', import.meta.url), 'utf8')) as { cases: Case[] }

const incomplete = 'HTTP/1.1 400 Incomplete request body\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 28\r\nDate: X\r\n\r\n400 Incomplete request body\n<CLOSED>'
const CHANGED: Readonly<Record<string, readonly [answer: string, why: string]>> = {
  'te-gzip': ['HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 16\r\nConnection: close\r\n\r\n400 Bad Request\n<CLOSED>',
    'a request body whose framing is not chunked cannot be delimited (RFC 9112 §6.3): node:http waited for ever'],
  connect: ['HTTP/1.1 501 Unsupported method\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 23\r\nConnection: close\r\n\r\n501 Unsupported method\n<CLOSED>',
    'node:http closed without an answer'],
  'chunk-bad': [incomplete, 'a broken chunk size: node:http left the upload hanging'],
  'chunk-noterm': [incomplete, 'chunk data not followed by CRLF: node:http left the upload hanging'],
  'expect-foo': ['HTTP/1.1 417 Expectation Failed\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 23\r\nDate: X\r\nConnection: keep-alive\r\n\r\n417 Expectation Failed\n<OPEN>',
    'node:http answered 417 chunked; every answer carries Content-Length (PROTOCOL.md §3.1)'],
  'http10-close-after-put': ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\nDate: X\r\nConnection: close\r\n\r\n<CLOSED>',
    'node:http also refused the request sent after a closing one with a 400 when it parsed it before answering the first (timing)']
}

function mask (text: string): string {
  return text.replace(/(Date|Last-Modified): [^\r]*/g, '$1: X')
}

t.test('answers as on node:http, case by case, on one server', async (t) => {
  const s = await startDataServerForTest(t)
  for (const c of fixture.cases) {
    const [want, why] = CHANGED[c.name] ?? [c.answer, '']
    const open = want.endsWith('<OPEN>')
    let expected = want.slice(0, want.lastIndexOf('<'))
    const client = await WireClient.connect(s.port)
    const received: Buffer[] = []
    let closed = false
    let wake = (): void => {}
    client.socket.on('data', (d: Buffer) => { received.push(d); wake() })
    client.socket.on('close', () => { closed = true; wake() })
    const text = (): string => mask(Buffer.concat(received).toString('latin1'))
    const until = async (done: () => boolean): Promise<void> => {
      while (!done()) await new Promise<void>((resolve) => { wake = resolve })
    }
    await client.write(Buffer.from(c.request, 'latin1'))
    if (open) {
      // Everything expected arrives; then a probe on the same connection proves it open and in step.
      await until(() => closed || text().length >= expected.length)
      await client.write('GET /no/such/probe HTTP/1.1\r\n\r\n')
      expected += 'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\nDate: X\r\nConnection: keep-alive\r\n\r\n404 Not Found\n'
      await until(() => closed || text().length >= expected.length)
    } else {
      await until(() => closed)
    }
    let got = text()
    // The status report's length changes with the machine's figures.
    if (c.name === 'status') {
      got = got.replace(/Content-Length: \d+/, 'Content-Length: N')
      expected = expected.replace(/Content-Length: \d+/, 'Content-Length: N')
    }
    t.equal(got, expected, `${c.name}${why === '' ? '' : ` (changed: ${why})`}`)
    t.equal(closed, !open, `${c.name}: connection ${open ? 'stays open' : 'closed'}`)
    client.destroy()
  }
})
