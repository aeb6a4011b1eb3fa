// The HTTP/1.1 engine on its own (no data server): heads cut anywhere, trickled, too long;
// answers in order whatever order handlers finish in; bodies read late (the connection pauses
// and keeps the rest of its read); chunked framing; both ways of reading (shared buffer, fresh
// buffers); closing idle and busy connections.
import { once } from 'node:events'
import t, { type Test } from 'tap'
import { Http1Server } from '../../../lib/server/http1/http1-server.js'
import type { Http1Request } from '../../../lib/server/http1/http1-request.js'
import type { Http1Response } from '../../../lib/server/http1/http1-response.js'
import { WireClient } from '../pyme-wire-client.js'

type Handler = (req: Http1Request, res: Http1Response) => void

async function serve (t: Test, handler: Handler, options: { maxHeaderBytes?: number, sharedReadBuffer?: boolean } = {}): Promise<{ server: Http1Server, port: number }> {
  const server = new Http1Server({ maxHeaderBytes: options.maxHeaderBytes ?? 80 * 1024, onRequest: handler, sharedReadBuffer: options.sharedReadBuffer ?? true })
  const { port } = await server.listen(0, '127.0.0.1')
  t.teardown(async () => {
    server.closeAllConnections()
    await server.close()
  })
  return { server, port }
}

async function client (t: Test, port: number): Promise<WireClient> {
  const c = await WireClient.connect(port)
  t.teardown(() => c.destroy())
  return c
}

// Collects a request body as a stream reader does.
function body (req: Http1Request): Promise<Buffer> {
  const parts: Buffer[] = []
  req.on('data', (d: Buffer) => parts.push(d))
  return once(req, 'end').then(() => Buffer.concat(parts))
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

// Echoes method, url and the body's length and sum, so tests can check what arrived.
const echo: Handler = (req, res) => {
  void body(req).then((b) => {
    let sum = 0
    for (const x of b) sum = (sum + x) % 65521
    res.setHeader('Content-Length', 0)
    res.setHeader('X-Echo', `${req.method} ${req.url} ${b.length} ${sum}`)
    res.end()
  })
}

function sumOf (b: Buffer): number {
  let sum = 0
  for (const x of b) sum = (sum + x) % 65521
  return sum
}

for (const sharedReadBuffer of [true, false]) {
  t.test(`reading into ${sharedReadBuffer ? 'the shared buffer' : 'fresh buffers'}`, async (t) => {
    t.test('a head trickled byte by byte, and cut at every position', async (t) => {
      const { port } = await serve(t, echo, { sharedReadBuffer })
      const c = await client(t, port)
      const request = Buffer.from('\r\nPUT /trickle HTTP/1.1\r\nX-Long: ' + 'v'.repeat(300) + '\r\nContent-Length: 3\r\n\r\nabc')
      for (const byte of request) {
        await c.write(Buffer.from([byte]))
        await yieldToLoop()
      }
      t.equal((await c.response()).headers['x-echo'], `PUT /trickle 3 ${sumOf(Buffer.from('abc'))}`)
      const head = Buffer.from('GET /cut/here HTTP/1.1\r\nX-A: b\r\n\r\n')
      for (let cut = 1; cut < head.length; cut++) {
        await c.write(head.subarray(0, cut))
        await yieldToLoop()
        await c.write(head.subarray(cut))
        t.equal((await c.response()).headers['x-echo'], 'GET /cut/here 0 0', `cut at ${cut}`)
      }
    })

    t.test('a head past maxHeaderBytes: 431, also when trickled', async (t) => {
      const { port } = await serve(t, echo, { sharedReadBuffer, maxHeaderBytes: 2048 })
      const c = await client(t, port)
      await c.write(`GET /x HTTP/1.1\r\nX-Big: ${'a'.repeat(3000)}\r\n\r\n`)
      t.equal((await c.response()).status, 431)
      await c.closed()
      const slow = await client(t, port)
      await slow.write('GET /x HTTP/1.1\r\nX-Big: ')
      for (let i = 0; i < 50 && !slow.ended; i++) {
        await slow.write('a'.repeat(64)).catch(() => {})
        await yieldToLoop()
      }
      t.equal((await slow.response()).status, 431)
      const garbage = await client(t, port)
      await garbage.write(Buffer.from([0x16, 0x03, 0x01, 0x00]))
      t.equal((await garbage.response()).status, 400, 'garbage is refused at once, not after maxHeaderBytes')
    })

    t.test('answers leave in request order whatever order handlers finish in', async (t) => {
      // Requests parsed in one go are answered newest first, one turn of the event loop later.
      let batch: Array<() => void> = []
      const { port } = await serve(t, (req, res) => {
        if (batch.length === 0) {
          setImmediate(() => {
            const answers = batch
            batch = []
            for (const answer of answers.reverse()) answer()
          })
        }
        batch.push(() => {
          res.setHeader('Content-Length', req.url.length)
          res.end(Buffer.from(req.url))
        })
      }, { sharedReadBuffer })
      const c = await client(t, port)
      const n = 100 // past the pipelining depth at which the connection stops reading
      let all = ''
      for (let i = 0; i < n; i++) all += `GET /r${i} HTTP/1.1\r\n\r\n`
      await c.write(all)
      for (let i = 0; i < n; i++) t.equal((await c.response()).body.toString(), `/r${i}`)
    })

    t.test('a body read late: the connection pauses, keeps the rest of its read, and resumes', async (t) => {
      let release: () => void = () => {}
      const gate = new Promise<void>((resolve) => { release = resolve })
      const { port } = await serve(t, (req, res) => {
        void gate.then(() => echo(req, res))
      }, { sharedReadBuffer })
      const c = await client(t, port)
      const big = Buffer.alloc(3 * 1024 * 1024 + 7)
      for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff
      const writes = c.write(Buffer.concat([Buffer.from(`PUT /late HTTP/1.1\r\nContent-Length: ${big.length}\r\n\r\n`), big,
        Buffer.from('PUT /after HTTP/1.1\r\nContent-Length: 2\r\n\r\nok')]))
      await yieldToLoop()
      release()
      await writes
      t.equal((await c.response()).headers['x-echo'], `PUT /late ${big.length} ${sumOf(big)}`)
      t.equal((await c.response()).headers['x-echo'], `PUT /after 2 ${sumOf(Buffer.from('ok'))}`)
    })

    t.test('chunked bodies: sizes, extensions, trailers, cut anywhere', async (t) => {
      const { port } = await serve(t, echo, { sharedReadBuffer })
      const c = await client(t, port)
      const request = Buffer.from('PUT /ch HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n')
      for (let at = 0; at < request.length; at += 3) {
        await c.write(request.subarray(at, at + 3))
        await yieldToLoop()
      }
      t.equal((await c.response()).headers['x-echo'], `PUT /ch 15 ${sumOf(Buffer.from('hello0123456789'))}`)
    })

    t.test('the client\'s FIN mid-head ends the connection after the answers owed, without one of its own', async (t) => {
      const { port } = await serve(t, echo, { sharedReadBuffer })
      const c = await client(t, port)
      await c.write('GET /one HTTP/1.1\r\n\r\nGET /two HT')
      c.socket.end()
      t.equal((await c.response()).headers['x-echo'], 'GET /one 0 0')
      await c.closed()
    })
  })
}

t.test('a large answer streamed to a client that reads slowly arrives whole', async (t) => {
  const piece = Buffer.alloc(1 << 20, 9)
  const pieces = 16
  const { port } = await serve(t, (req, res) => {
    res.setHeader('Content-Length', piece.length * pieces)
    let sent = 0
    const more = (): void => {
      while (sent < pieces) {
        sent++
        if (sent === pieces) {
          res.end(piece)
          return
        }
        if (!res.write(piece)) {
          res.once('drain', more)
          return
        }
      }
    }
    more()
  })
  const c = await client(t, port)
  c.socket.pause()
  await c.write('GET /big HTTP/1.1\r\n\r\nGET /big HTTP/1.1\r\n\r\n')
  await yieldToLoop()
  c.socket.resume()
  for (let i = 0; i < 2; i++) {
    const r = await c.response()
    t.equal(r.body.length, piece.length * pieces)
  }
})

t.test('HEAD answers carry headers only', async (t) => {
  const { port } = await serve(t, (req, res) => {
    res.setHeader('Content-Length', 5)
    res.end(Buffer.from('hello'))
  })
  const c = await client(t, port)
  await c.write('HEAD /x HTTP/1.1\r\n\r\nGET /x HTTP/1.1\r\n\r\n')
  t.equal((await c.response(true)).headers['content-length'], '5')
  t.equal((await c.response()).body.toString(), 'hello')
})

t.test('closing: idle connections go, busy ones stay until cut, close() waits for all', async (t) => {
  let hold: Http1Response | undefined
  const { server, port } = await serve(t, (req, res) => {
    if (req.url === '/hold') hold = res
    else {
      res.setHeader('Content-Length', 0)
      res.end()
    }
  })
  const idle = await client(t, port)
  await idle.write('GET /x HTTP/1.1\r\n\r\n')
  await idle.response()
  const busy = await client(t, port)
  await busy.write('GET /hold HTTP/1.1\r\n\r\n')
  while (hold === undefined) await yieldToLoop()
  const closed = server.close()
  server.closeIdleConnections()
  await idle.closed()
  t.notOk(busy.ended, 'the busy connection stays')
  hold.setHeader('Content-Length', 0)
  hold.setHeader('Connection', 'close')
  hold.end()
  t.equal((await busy.response()).headers['connection'], 'close')
  await busy.closed()
  await closed
  t.pass('close() resolved once every connection was gone')
})
