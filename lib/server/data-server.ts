/**
 * The PYME-compatible data server (PROTOCOL.md §3): one data root served over HTTP/1.1,
 * write-once PUT, listings, status, optionally advertised over mDNS or in PYME's SQLite
 * registry.
 *
 * Connection handling follows §3.1 MUST, because PYME's raw-socket clients (Streamer,
 * put_files) depend on it: no Host header required, no idle timeout, no request timeout,
 * unlimited requests per socket, TCP_NODELAY, and requests of one connection applied
 * strictly in order (a per-socket promise chain), so pipelined PUTs are committed and
 * answered in order. A PUT may receive its body while the request before it still commits
 * (the order of commits, and so of 200/405, is unchanged); everything else starts only
 * after the request before it has finished. Requests Node's parser rejects get a real 400/431/501 response
 * (after the answers still owed on that socket), never a silent close.
 *
 *   socket ──▶ node:http parser ──▶ per-socket chain ──▶ RequestRouter ──▶ response
 *                    │ clientError                          │ HttpFailure → error response
 *                    └──▶ raw 4xx/501 + close                └ other error → 500
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { channel } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import { debuglog } from 'node:util'
import { ServerError } from '../errors.js'
import { serviceInstanceName } from '../internal/service-name.js'
import { resolveAdvertiseTarget } from './advertise-address.js'
import { AggregateAppender } from './aggregate-appender.js'
import { markBodyTruncated, UploadAbortedError } from './body-receiver.js'
import { DirectoryIndex } from './directory-index.js'
import { H5Aggregator } from './h5-aggregator.js'
import { HttpFailure } from './http-failure.js'
import { isLocalFilesystem } from './local-filesystem.js'
import { MdnsAdvertiser } from './mdns-advertiser.js'
import { RegistryAdvertiser } from './registry-advertiser.js'
import { RequestRouter } from './request-router.js'
import { rawFailure, sendFailure } from './responses.js'
import { RootFs } from './root-fs.js'
import { resolveServerOptions, type AdvertiseMode, type DataServerOptions, type ResolvedServerOptions } from './server-options.js'
import { StatusReport } from './status-report.js'

const debug = debuglog('pyme')

/**
 * `pyme:server:request`: one message per handled request, after its outcome is settled
 * (files committed or temp files removed): `{ server, method, url, status }`, status 0 when
 * the client went away before it could be answered.
 */
export const requestChannel = channel('pyme:server:request')

/** The message published on `pyme:server:request`. */
export interface RequestMessage {
  readonly server: string
  readonly method: string
  readonly url: string
  readonly status: number
}

const SETTLED = Promise.resolve()

/** How long close() waits for cut-off requests to clean up, ms. */
const CLEANUP_MS = 2000

/** Longest request line + headers accepted (PYME: 64 KiB request line). */
const MAX_HEADER_BYTES = 80 * 1024

/** A running data server. */
export interface DataServer {
  /** `http://<address>:<port>/` (the bound address; 127.0.0.1 when bound to all interfaces). */
  readonly url: string
  readonly port: number
  /** The bound address. */
  readonly address: string
  /** Absolute path of the data root. */
  readonly root: string
  readonly cluster: string
  /** The advertised instance name, `PYMEDataServer [<cluster>]:<computer> - PID:<pid>`. */
  readonly instanceName: string
  readonly advertise: AdvertiseMode
  /** The IPv4 address announced (mDNS), 127.0.0.1 (local), or the bound address (none). */
  readonly advertisedAddress: string
  /** Stops accepting, lets in-flight requests finish (bounded), withdraws the advertisement. Idempotent. */
  close (): Promise<void>
}

// The line of the raw packet where the parser stopped (the packet may start with earlier,
// pipelined requests).
function failedLine (err: NodeJS.ErrnoException & { rawPacket?: Buffer, bytesParsed?: number }): string {
  const text = err.rawPacket?.toString('latin1') ?? ''
  const at = Math.min(err.bytesParsed ?? 0, text.length)
  const start = text.lastIndexOf('\n', at - 1) + 1
  return text.slice(start) + '\n'
}

// A request line that is well-formed apart from its (unknown) method.
const METHOD_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP\/\d\.\d\r?\n/

function clientErrorStatus (err: NodeJS.ErrnoException & { rawPacket?: Buffer, bytesParsed?: number }): [number, string] {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'Request Header Fields Too Large']
    case 'HPE_INVALID_METHOD':
      // PYME (CPython) answers 501 to an unknown method and 400 to a garbage line.
      return METHOD_LINE.test(failedLine(err)) ? [501, 'Unsupported method'] : [400, 'Bad Request']
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return [400, 'Bad Content-Length']
    default:
      return [400, 'Bad Request']
  }
}

class RunningDataServer implements DataServer {
  readonly url: string
  readonly port: number
  readonly address: string
  readonly root: string
  readonly cluster: string
  readonly instanceName: string
  readonly advertise: AdvertiseMode
  readonly advertisedAddress: string
  readonly #server: Server
  readonly #opts: ResolvedServerOptions
  /** Requests being handled, with their responses. */
  readonly #inFlight: Map<Promise<void>, ServerResponse>
  readonly #index: DirectoryIndex
  readonly #advertiser: MdnsAdvertiser | RegistryAdvertiser | undefined
  readonly #h5: H5Aggregator
  #closing: Promise<void> | undefined

  constructor (init: {
    server: Server, opts: ResolvedServerOptions, port: number, address: string, instanceName: string,
    inFlight: Map<Promise<void>, ServerResponse>, index: DirectoryIndex, advertiser: MdnsAdvertiser | RegistryAdvertiser | undefined, advertisedAddress: string, root: string
    h5: H5Aggregator
  }) {
    this.#h5 = init.h5
    this.#server = init.server
    this.#opts = init.opts
    this.#inFlight = init.inFlight
    this.#index = init.index
    this.#advertiser = init.advertiser
    this.port = init.port
    this.address = init.address
    const urlHost = init.address === '0.0.0.0' || init.address === '::' ? '127.0.0.1' : init.address
    this.url = `http://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${init.port}/`
    this.root = init.root
    this.cluster = init.opts.cluster
    this.instanceName = init.instanceName
    this.advertise = init.opts.advertise
    this.advertisedAddress = init.advertisedAddress
  }

  get closing (): boolean { return this.#closing !== undefined }

  async #settleInFlight (ms: number): Promise<void> {
    if (this.#inFlight.size === 0) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.allSettled([...this.#inFlight.keys()]),
      new Promise((resolve) => { timer = setTimeout(resolve, ms) })
    ])
    clearTimeout(timer)
  }

  close (): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close (): Promise<void> {
    const server = this.#server
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    try {
      if (this.#advertiser instanceof MdnsAdvertiser) await this.#advertiser.close()
      else this.#advertiser?.close()
    } catch (err) {
      debug('server: withdrawing the advertisement failed: %s', (err as Error).message)
    }
    server.closeIdleConnections()
    // Answers still to come end their connection.
    for (const res of this.#inFlight.values()) if (!res.headersSent) res.setHeader('Connection', 'close')
    await this.#settleInFlight(this.#opts.closeTimeoutMs)
    server.closeAllConnections()
    // Requests cut off now clean up (temp files) before close() resolves.
    await this.#settleInFlight(CLEANUP_MS)
    // Every open HDF5 file closed cleanly (their appends have all committed or rolled back).
    await this.#h5.close()
    await this.#index.close()
    await closed
    debug('server: closed %s', this.url)
  }
}

/** Starts a data server; resolves once it accepts connections (and is advertised). */
export async function startDataServer (options: DataServerOptions = {}): Promise<DataServer> {
  const opts = resolveServerOptions(options)
  let fs: RootFs
  try {
    fs = await RootFs.open(opts.root)
  } catch (err) {
    throw new ServerError(`cannot use data root ${opts.root}: ${(err as Error).message}`, { cause: err })
  }
  const local = await isLocalFilesystem(fs.realRoot)
  const index = new DirectoryIndex(fs, {
    countdirCompat: opts.countdirCompat,
    maxDirectories: 1000,
    maxEntries: 2_000_000,
    minTtlMs: 1000,
    minMaxAgeMs: 10_000,
    // Only where a pid can only be this host's: a killed server's temp files go on the next listing.
    sweepStaleTemp: local && !opts.readOnly
  })
  // fsync takes milliseconds (far more on disks): never on the event loop unless asked for.
  const syncCommit = opts.syncCommit === 'auto' ? local && !opts.fsync : opts.syncCommit
  const identity = { ipAddress: '', bindAddress: ['', 0] as [string, number], port: 0 }
  const status = new StatusReport({
    get ipAddress () { return identity.ipAddress },
    get bindAddress () { return identity.bindAddress },
    get port () { return identity.port },
    testMode: opts.testMode,
    computerName: opts.computerName,
    root: fs.root,
    cluster: opts.cluster
  })
  await status.prime()
  const putContext = {
    fs,
    index,
    fsync: opts.fsync,
    syncCommit,
    onDirectoryCreated: (parent: readonly string[], name: string) => { index.directoryCreated(parent, name) },
    onFileCommitted: (bytes: number) => { status.uploadCommitted(bytes) }
  }
  const appender = new AggregateAppender(putContext)
  const h5 = new H5Aggregator(putContext, { maxBodyBytes: opts.maxBodyBytes, fsync: opts.fsync })
  const router = new RequestRouter(fs, index, status, appender, putContext, {
    readOnly: opts.readOnly,
    testMode: opts.testMode,
    testDelayMs: opts.testDelayMs,
    maxBodyBytes: opts.maxBodyBytes
  }, h5)

  const inFlight = new Map<Promise<void>, ServerResponse>()
  // Per socket: the tail of its request chain and the last response (with its request, for clientError).
  const tails = new WeakMap<Socket, Promise<void>>()
  const lastResponse = new WeakMap<Socket, ServerResponse>()
  // eslint-disable-next-line prefer-const -- set once listening; the handlers above read it
  let running: RunningDataServer | undefined

  const run = async (req: IncomingMessage, res: ServerResponse, previous: Promise<void>): Promise<void> => {
    try {
      await handle(req, res, previous)
    } finally {
      // A request refused at once (405, 400, 415...) never waits for `previous`; its place in
      // the chain must still settle after it, or the next request would overtake an earlier
      // upload that is still committing.
      await previous
    }
    if (requestChannel.hasSubscribers) {
      const message: RequestMessage = {
        server: running?.url ?? '',
        method: req.method ?? '',
        url: req.url ?? '',
        status: res.headersSent || res.writableEnded ? res.statusCode : 0
      }
      requestChannel.publish(message)
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse, previous: Promise<void>): Promise<void> => {
    const head = req.method === 'HEAD'
    if (running?.closing === true) res.setHeader('Connection', 'close')
    try {
      await router.handle(req, res, previous)
    } catch (err) {
      if (err instanceof UploadAbortedError) {
        debug('server: %s %s: body cut short; nothing stored', req.method, req.url)
        // A half-closed client may still read: tell it. A gone one cannot be told.
        if (!res.headersSent && req.socket.writable) sendFailure(res, new HttpFailure(400, 'Incomplete request body', true), head)
        else res.destroy()
        return
      }
      const failure = err instanceof HttpFailure ? err : new HttpFailure(500, 'Internal Server Error')
      if (!(err instanceof HttpFailure)) debug('server: %s %s failed: %s', req.method, req.url, (err as Error)?.stack)
      if (res.headersSent) {
        res.destroy()
        return
      }
      for (const name of res.getHeaderNames()) if (name !== 'connection') res.removeHeader(name)
      sendFailure(res, failure, head)
    }
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const socket = req.socket
    lastResponse.set(socket, res)
    const task = run(req, res, tails.get(socket) ?? SETTLED)
    tails.set(socket, task)
    inFlight.set(task, res)
    void task.finally(() => {
      inFlight.delete(task)
      if (tails.get(socket) === task) tails.delete(socket)
    })
  }

  const server = createServer({
    requireHostHeader: false,
    maxHeaderSize: MAX_HEADER_BYTES,
    noDelay: true,
    requestTimeout: 0,
    headersTimeout: 0,
    keepAliveTimeout: 0
  } as Parameters<typeof createServer>[0], onRequest)
  // §3.1 MUST: no idle timeout (PYME Streamers idle for minutes and never reconnect).
  server.keepAliveTimeout = 0
  server.requestTimeout = 0
  server.headersTimeout = 0
  server.timeout = 0
  server.maxRequestsPerSocket = 0
  server.on('connection', (socket: Socket) => { socket.setNoDelay(true) })

  // Expect: 100-continue: refuse a body we would refuse anyway before the client sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const cl = Number(req.headers['content-length'] ?? '0')
    if (req.method === 'PUT' && cl > opts.maxBodyBytes) {
      sendFailure(res, new HttpFailure(413, 'Payload Too Large', true), false)
      return
    }
    res.writeContinue()
    onRequest(req, res)
  })

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const [status, reason] = clientErrorStatus(err)
    // The client half-closed in the middle of a body: that request is answered (400) by its
    // handler, which must be told; nothing else is owed.
    const truncated = err.code === 'HPE_INVALID_EOF_STATE'
    const current = lastResponse.get(socket)?.req
    if (truncated && current !== undefined && !current.complete) markBodyTruncated(current)
    debug('server: unparsable request (%s): %d', err.code, status)
    let answered = false
    const answer = (): void => {
      // Hooked to both 'finish' and 'close' of the last response: answer once.
      if (answered) return
      answered = true
      if (!socket.writable) socket.destroy()
      else if (truncated) socket.end()
      else socket.end(rawFailure(status, reason))
    }
    // Answers still owed on this socket go first: pipelined responses stay in order.
    const pending = tails.get(socket)
    const last = lastResponse.get(socket)
    const afterLast = (): void => {
      if (last === undefined || last.writableFinished || last.destroyed) answer()
      else {
        last.once('finish', answer)
        last.once('close', answer)
      }
    }
    if (pending === undefined) afterLast()
    else void pending.then(afterLast)
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new ServerError(`cannot listen on ${opts.host}:${opts.port}: ${err.message}`, { cause: err }))
    }
    server.once('error', onError)
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  server.on('error', (err) => { debug('server: %s', err.message) })

  const bound = server.address()
  if (bound === null || typeof bound === 'string') throw new ServerError('server is not listening on TCP')
  const instance = serviceInstanceName(opts.cluster, opts.computerName, process.pid)
  if (instance.truncated) debug('server: instance name %j lost part of the cluster name (63-character limit)', instance.name)

  let advertiser: MdnsAdvertiser | RegistryAdvertiser | undefined
  let advertisedAddress = bound.address
  try {
    if (opts.advertise === 'mdns') {
      const target = resolveAdvertiseTarget({ interface: opts.interface, advertiseAddress: opts.advertiseAddress, host: opts.host })
      advertisedAddress = target.address
      const mdns = new MdnsAdvertiser({ instanceName: instance.name, port: bound.port, ...target })
      await mdns.bound.catch(async (err: unknown) => {
        await mdns.close()
        const held = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'another program holds UDP port 5353 exclusively; ' : ''
        throw new ServerError(`cannot advertise over mDNS: ${(err as Error).message} (${held}use advertise 'local' or 'none')`, { cause: err })
      })
      advertiser = mdns
    } else if (opts.advertise === 'local') {
      advertisedAddress = '127.0.0.1'
      advertiser = new RegistryAdvertiser(opts.registryPath, instance.name, bound.port)
    }
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    throw err
  }
  identity.ipAddress = advertisedAddress
  identity.bindAddress = [bound.address === '0.0.0.0' ? '' : bound.address, bound.port]
  identity.port = bound.port

  running = new RunningDataServer({
    server, opts, port: bound.port, address: bound.address, instanceName: instance.name,
    inFlight, index, advertiser, advertisedAddress, root: fs.root, h5
  })
  debug('server: listening on %s (root %s, cluster %s, advertise %s)', running.url, fs.root, opts.cluster, opts.advertise)
  return running
}
