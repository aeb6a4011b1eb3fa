/**
 * Test servers on raw sockets: a minimal HTTP/1.1 request parser that reads pipelined requests
 * the way PYME's `BaseHTTPRequestHandler` does (request line, `Name: value` header lines,
 * exactly `Content-Length` body bytes), and a TCP proxy that can lose an answer. Both are real
 * servers on loopback port 0, closed in the test's teardown.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { Test } from 'tap'

/** One parsed request. */
export interface RawRequest {
  readonly method: string
  readonly target: string
  readonly version: string
  /** Header lines exactly as received (without CRLF). */
  readonly headerLines: readonly string[]
  /** Lower-cased names → values. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
  /** The whole request as received. */
  readonly raw: Buffer
  readonly socket: Socket
  /** Requests received on this socket before this one was answered (pipelining depth seen). */
  readonly unansweredBefore: number
}

/** Sees each request; may answer it with `respond` at once or later. */
export type RawHandler = (req: RawRequest) => void

/** A raw server: `respond(req, status)` answers; answers are written in arrival order per socket. */
export interface RawServer {
  readonly url: string
  readonly requests: RawRequest[]
  readonly sockets: Set<Socket>
  respond (req: RawRequest, status: number, body?: string): void
  close (): Promise<void>
}

/** A PYME-style parse of pipelined requests; throws on anything PYME's server would refuse. */
export function parseRequests (buf: Buffer, onRequest: (r: Omit<RawRequest, 'socket' | 'unansweredBefore'>) => void): number {
  let off = 0
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', off, 'latin1')
    if (end < 0) return off
    const head = buf.toString('latin1', off, end)
    const [requestLine, ...headerLines] = head.split('\r\n')
    const parts = (requestLine ?? '').split(' ')
    if (parts.length !== 3) throw new Error(`bad request line ${requestLine}`)
    const headers: Record<string, string> = {}
    for (const line of headerLines) {
      const i = line.indexOf(':')
      if (i <= 0) throw new Error(`bad header line ${line}`)
      headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim()
    }
    const length = Number(headers['content-length'] ?? '0')
    if (!Number.isSafeInteger(length) || length < 0) throw new Error('bad Content-Length')
    const bodyStart = end + 4
    if (buf.length < bodyStart + length) return off
    onRequest({
      method: parts[0] as string,
      target: parts[1] as string,
      version: parts[2] as string,
      headerLines,
      headers,
      body: Buffer.from(buf.subarray(bodyStart, bodyStart + length)),
      raw: Buffer.from(buf.subarray(off, bodyStart + length))
    })
    off = bodyStart + length
  }
}

/** Starts a raw HTTP server; `onRequest` sees each request and may answer it at once or later. */
export async function startRawServer (t: Test, onRequest: RawHandler): Promise<RawServer> {
  const requests: RawRequest[] = []
  const sockets = new Set<Socket>()
  const unanswered = new Map<Socket, number>()
  const arrival = new Map<Socket, RawRequest[]>()
  const answers = new Map<RawRequest, string>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    unanswered.set(socket, 0)
    let pending: Buffer = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      let used: number
      try {
        used = parseRequests(pending, (r) => {
          const n = unanswered.get(socket) ?? 0
          unanswered.set(socket, n + 1)
          const req: RawRequest = { ...r, socket, unansweredBefore: n }
          requests.push(req)
          arrival.set(socket, [...(arrival.get(socket) ?? []), req])
          onRequest(req)
        })
      } catch {
        socket.destroy()
        return
      }
      pending = pending.subarray(used)
    })
    socket.on('error', () => { /* the client went away; the test checks what it received */ })
    socket.on('close', () => { sockets.delete(socket) })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const handle: RawServer = {
    url: `http://127.0.0.1:${port}/`,
    requests,
    sockets,
    respond (req, status, body = '') {
      // Answers go out in request order per socket, as a PYME server sends them.
      answers.set(req, `HTTP/1.1 ${status} X\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
      const order = arrival.get(req.socket) ?? []
      while (order.length > 0 && answers.has(order[0]!)) {
        const next = order.shift()!
        unanswered.set(req.socket, (unanswered.get(req.socket) ?? 1) - 1)
        if (!req.socket.destroyed) req.socket.write(answers.get(next)!)
        answers.delete(next)
      }
    },
    async close () {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
  t.teardown(() => handle.close())
  return handle
}

/** A TCP proxy to `target`; `loseAnswer()` makes it cut the client off when the next answer arrives (the server has stored the file; the client never hears). */
export interface LossyProxy {
  readonly url: string
  /** Answers cut off so far. */
  readonly lost: number
  loseNextAnswer (): void
  close (): Promise<void>
}

export async function startLossyProxy (t: Test, targetPort: number): Promise<LossyProxy> {
  let loseNext = false
  let lost = 0
  const pairs = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1')
    pairs.add(client)
    pairs.add(upstream)
    client.on('data', (c) => upstream.write(c))
    upstream.on('data', (c) => {
      if (loseNext) {
        loseNext = false
        lost++
        client.destroy()
        upstream.destroy()
        return
      }
      client.write(c)
    })
    const end = (): void => {
      client.destroy()
      upstream.destroy()
      pairs.delete(client)
      pairs.delete(upstream)
    }
    client.on('close', end)
    upstream.on('close', end)
    client.on('error', end)
    upstream.on('error', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const proxy: LossyProxy = {
    url: `http://127.0.0.1:${port}/`,
    get lost () { return lost },
    loseNextAnswer () { loseNext = true },
    async close () {
      for (const s of pairs) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
  t.teardown(() => proxy.close())
  return proxy
}
