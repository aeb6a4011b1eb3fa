/**
 * The data server's HTTP/1.1 engine (docs/server.md, "HTTP engine"): a `net.Server` whose
 * connections read into one shared buffer and parse requests themselves (http1-connection.ts),
 * instead of node:http's parser, objects and streams per request.
 *
 * Reading: every connection reads into the same `READ_BUFFER`-byte buffer (Node's `onread`
 * option; reads of different sockets never overlap on the one JavaScript thread). Whatever must
 * outlive a read (a head cut by a read boundary, body pieces for a streamed reader) is copied
 * out; a body taken directly (the write-once PUT) goes from this buffer to its file. A 512 KiB
 * upload costs one or a few reads instead of eight 64 KiB reads, each piece copied out of
 * node:http's parser buffer into a new Buffer.
 *
 * Node accepts connections with a socket that reads into fresh memory; `onread` can only be given
 * to a Socket when it is made. So each accepted socket (paused on connect) hands its handle to a
 * new Socket made with `onread`. Where that is not possible (a Node without `_handle`), the socket
 * is used as it is, reading into fresh buffers: same behaviour, one allocation per read more.
 */
import { Server, Socket } from 'node:net'
import { Http1Connection, type ConnectionHost } from './http1-connection.js'
import type { Http1Request } from './http1-request.js'
import type { Http1Response } from './http1-response.js'

/** Size of the shared read buffer: up to this much is read from a socket in one system call. */
export const READ_BUFFER = 1 << 20

export interface Http1ServerOptions {
  /** Longest request head (request line and headers), bytes; past it: 431. */
  readonly maxHeaderBytes: number
  /** Called for every request, in order per connection, once its head is parsed. */
  readonly onRequest: (req: Http1Request, res: Http1Response) => void
  /** Read into the shared buffer (`onread`); false reads into fresh buffers ('data' events). @default true */
  readonly sharedReadBuffer?: boolean
}

interface SocketWithHandle { _handle?: { readStart?: unknown } | null }

export class Http1Server implements ConnectionHost {
  readonly maxHeaderBytes: number
  readonly #onRequest: (req: Http1Request, res: Http1Response) => void
  readonly #net: Server
  readonly #connections = new Set<Http1Connection>()
  readonly #shared: Buffer
  readonly #useShared: boolean
  #closing: (() => void) | undefined
  #listenerClosed = false

  constructor (options: Http1ServerOptions) {
    this.maxHeaderBytes = options.maxHeaderBytes
    this.#onRequest = options.onRequest
    this.#useShared = options.sharedReadBuffer !== false
    this.#shared = this.#useShared ? Buffer.allocUnsafe(READ_BUFFER) : Buffer.alloc(0)
    this.#net = new Server({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (socket) => { this.#accept(socket) })
  }

  #accept (accepted: Socket): void {
    let socket = accepted
    // Made after its socket: the socket asks for its first read buffer when it is made.
    // eslint-disable-next-line prefer-const -- assigned once the socket exists; its callbacks read it before
    let conn: Http1Connection | undefined
    const shared = this.#shared
    const handle = (accepted as unknown as SocketWithHandle)._handle
    if (this.#useShared && handle !== undefined && handle !== null && typeof handle.readStart === 'function') {
      ;(accepted as unknown as SocketWithHandle)._handle = null
      accepted.destroy()
      socket = new Socket({
        handle,
        allowHalfOpen: true,
        readable: true,
        writable: true,
        onread: {
          // Called after every read for the buffer of the next: a large upload's own, or the shared one.
          buffer: () => conn?.readTarget() ?? shared,
          callback: (n: number, buf: Uint8Array) => buf === shared ? conn?.onRead(shared.subarray(0, n), 0, n) : conn?.onDirectRead(n)
        }
      } as ConstructorParameters<typeof Socket>[0])
    } else {
      socket.on('data', (data: Buffer) => { if (conn?.onRead(data, 0, data.length) === false) socket.pause() })
      socket.resume()
    }
    socket.setNoDelay(true)
    const made = new Http1Connection(socket, this)
    conn = made
    this.#connections.add(made)
  }

  onRequest (req: Http1Request, res: Http1Response): void {
    this.#onRequest(req, res)
  }

  onClose (conn: Http1Connection): void {
    this.#connections.delete(conn)
    this.#maybeClosed()
  }

  /** Listens; resolves with the bound address. */
  listen (port: number, host: string): Promise<{ address: string, port: number }> {
    return new Promise((resolve, reject) => {
      this.#net.once('error', reject)
      this.#net.listen(port, host, () => {
        this.#net.off('error', reject)
        this.#net.on('error', noop)
        const a = this.#net.address()
        if (a === null || typeof a === 'string') reject(new Error('not listening on TCP'))
        else resolve({ address: a.address, port: a.port })
      })
    })
  }

  /** Stops accepting; resolves once the listener and every connection are closed. */
  close (): Promise<void> {
    return new Promise((resolve) => {
      this.#closing = resolve
      this.#net.close(() => {
        this.#listenerClosed = true
        this.#maybeClosed()
      })
    })
  }

  #maybeClosed (): void {
    if (this.#listenerClosed && this.#connections.size === 0) this.#closing?.()
  }

  /** Closes connections with no request in progress. */
  closeIdleConnections (): void {
    for (const c of this.#connections) if (c.idle) c.destroy()
  }

  /** Cuts every connection. */
  closeAllConnections (): void {
    for (const c of this.#connections) c.destroy()
  }
}

function noop (): void {}
