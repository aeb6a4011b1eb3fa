/**
 * The ceiling for the streamer benchmark: a hand-written pipelined PUT client on raw sockets,
 * one connection per server, a fixed window of requests in flight, the same request shape as
 * PYME's Streamer (PROTOCOL.md §6.3) and the smallest response parser that works (status line,
 * Content-Length, skip the body). It does nothing else: no accounting, no retries, no budget.
 */
import { connect, type Socket } from 'node:net'

/**
 * Which connection each frame goes to, instead of the next connection with room: frames are taken
 * in order into per-connection queues, at most `maxPending` taken and not yet answered (as the
 * Streamer's per-node queues behind a backend's window of frames).
 */
export interface RawRoute {
  /** Index into the connections (server-major: `server * connections + k`) for frame `n`. */
  readonly connection: (n: number) => number
  readonly maxPending: number
}

/** Result of one run. */
export interface RawRunResult {
  readonly frames: number
  readonly bytes: number
  readonly seconds: number
  readonly errors: number
}

interface Conn {
  readonly socket: Socket
  inFlight: number
  buf: Buffer
  /** Body lengths of the requests in flight, oldest first (answers come in order). */
  sizes: number[]
}

function open (url: string): Promise<Socket> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => { resolve(s) })
    s.setNoDelay(true)
    s.once('error', reject)
  })
}

/** Counts complete responses in `c.buf`, adding stored body bytes to `stored`; returns [responses, non-2xx, bytes consumed]. */
function parse (c: Conn, stored: { bytes: number }): [number, number, number] {
  const buf = c.buf
  let off = 0
  let n = 0
  let bad = 0
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', off, 'latin1')
    if (end < 0) break
    const head = buf.toString('latin1', off, end)
    const status = Number(head.slice(9, 12))
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head)
    const len = m === null ? 0 : Number(m[1])
    if (buf.length < end + 4 + len) break
    off = end + 4 + len
    if (status === 100) continue
    n++
    const size = c.sizes.shift() ?? 0
    if (status < 200 || status > 299) bad++
    else stored.bytes += size
  }
  return [n, bad, off]
}

/**
 * PUTs `body` as `<prefix>/frameNNNNN.pzf` to `servers` for `seconds` (or until `frames` were
 * sent) over `connections` sockets per server, keeping `window` requests in flight per socket;
 * waits for every answer before returning. `body` may also be a function of the frame number
 * (the same bytes a client would send for that frame). With `route`, frames go where it says.
 */
export async function rawPutRun (servers: readonly string[], prefix: string, body: Buffer | ((n: number) => Buffer), seconds: number, window: number, connections = 1, frames = Infinity, route?: RawRoute): Promise<RawRunResult> {
  const conns: Conn[] = []
  for (const url of servers) {
    for (let k = 0; k < connections; k++) conns.push({ socket: await open(url), inFlight: 0, buf: Buffer.alloc(0), sizes: [] })
  }
  const started = performance.now()
  const deadline = started + seconds * 1000
  let next = 0
  let done = 0
  let errors = 0
  const stored = { bytes: 0 }
  let stopping = false
  let finish: () => void = () => {}
  const finished = new Promise<void>((resolve) => { finish = resolve })

  const write = (c: Conn, n: number): void => {
    const data = typeof body === 'function' ? body(n) : body
    const name = `/${prefix}/frame${String(n).padStart(5, '0')}.pzf`
    c.socket.cork()
    c.socket.write(`PUT ${name} HTTP/1.1\r\nHost: bench\r\nConnection: keep-alive\r\nContent-Length: ${data.length}\r\n\r\n`, 'latin1')
    c.socket.write(data)
    c.socket.uncork()
    c.inFlight++
    c.sizes.push(data.length)
  }
  const more = (): boolean => {
    if (!stopping && (next >= frames || performance.now() >= deadline)) stopping = true
    return !stopping
  }
  // Routed: frames taken in order into the queue of their connection (`pending` taken, unanswered).
  const queued: number[][] = conns.map(() => [])
  let pending = 0
  const take = (): void => {
    while (route !== undefined && pending < route.maxPending && more()) {
      queued[route.connection(next) % conns.length]?.push(next++)
      pending++
    }
  }
  const send = (c: Conn, i: number): void => {
    const q = queued[i] as number[]
    if (route !== undefined) {
      while (q.length > 0 && c.inFlight < window) write(c, q.shift() as number)
    } else {
      while (c.inFlight < window && more()) write(c, next++)
    }
    if (stopping && conns.every((x, k) => x.inFlight === 0 && queued[k]?.length === 0)) finish()
  }

  conns.forEach((c, i) => {
    c.socket.on('data', (chunk: Buffer) => {
      c.buf = c.buf.length === 0 ? chunk : Buffer.concat([c.buf, chunk])
      const [n, bad, used] = parse(c, stored)
      c.buf = c.buf.subarray(used)
      c.inFlight -= n
      done += n
      errors += bad
      if (route === undefined) return send(c, i)
      pending -= n
      take()
      conns.forEach(send)
    })
    c.socket.on('error', () => { errors++ })
  })
  take()
  conns.forEach(send)
  await finished
  const secondsTaken = (performance.now() - started) / 1000
  for (const c of conns) c.socket.end()
  // Only stored files count.
  return { frames: done - errors, bytes: stored.bytes, seconds: secondsTaken, errors }
}
