/**
 * The PYME-compatible data server (PROTOCOL.md §3): one data root served over HTTP/1.1,
 * write-once PUT, listings, status, optionally advertised over mDNS or in PYME's SQLite
 * registry.
 *
 * Connection handling follows §3.1 MUST, because PYME's raw-socket clients (Streamer,
 * put_files) depend on it: no Host header required, no idle timeout, no request timeout,
 * unlimited requests per socket, TCP_NODELAY, and requests of one connection applied
 * strictly in order (a per-connection chain of tasks), so pipelined PUTs are committed and
 * answered in order. A PUT may receive its body while the request before it still commits
 * (the order of commits, and so of 200/405, is unchanged); everything else starts only
 * after the request before it has finished. Requests that cannot be parsed get a real
 * 400/431/501 answer (after the answers still owed on that connection), never a silent close.
 *
 *   socket ──▶ Http1Server (http1/) ──▶ per-connection chain ──▶ direct PUT (direct-put.ts) | RequestRouter ──▶ answer
 *                 │ unparsable                                        │ HttpFailure → error answer
 *                 └──▶ raw 4xx/501 + close                             └ other error → 500
 */
import { channel } from 'node:diagnostics_channel'
import { debuglog } from 'node:util'
import { ServerError } from '../errors.js'
import { serviceInstanceName } from '../internal/service-name.js'
import { resolveAdvertiseTarget } from './advertise-address.js'
import { AggregateAppender } from './aggregate-appender.js'
import { UploadAbortedError } from './body-receiver.js'
import { ABORTED, tryDirectPut, type DirectPutContext } from './direct-put.js'
import { BufferPool } from '../internal/buffer-pool.js'
import { Http1Server } from './http1/http1-server.js'
import type { Http1Request, RequestConnection } from './http1/http1-request.js'
import type { Http1Response } from './http1/http1-response.js'
import { DirectoryIndex } from './directory-index.js'
import { H5Aggregator } from './h5-aggregator.js'
import { HttpFailure } from './http-failure.js'
import { isLocalFilesystem } from './local-filesystem.js'
import { MdnsAdvertiser } from './mdns-advertiser.js'
import { RegistryAdvertiser } from './registry-advertiser.js'
import { RequestRouter } from './request-router.js'
import { sendEmpty, sendFailure } from './responses.js'
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

/**
 * `pyme:server:request-start`: one message per request as soon as its head is parsed (it is in
 * flight from then on): `{ server, method, url }`.
 */
export const requestStartChannel = channel('pyme:server:request-start')

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

/**
 * One request's place in its connection's chain: settled once it has been handled and the
 * request before it has settled. Its promise is made only when someone waits for it.
 */
class RequestTask {
  readonly res: Http1Response
  settled = false
  #promise: Promise<void> | undefined
  #resolve: (() => void) | undefined

  constructor (res: Http1Response) {
    this.res = res
  }

  get done (): Promise<void> {
    if (this.settled) return SETTLED
    this.#promise ??= new Promise((resolve) => { this.#resolve = resolve })
    return this.#promise
  }

  settle (): void {
    this.settled = true
    this.#resolve?.()
  }
}

/** Per connection: the last request of its chain. */
interface RequestChain { last: RequestTask | undefined }

class RunningDataServer implements DataServer {
  readonly url: string
  readonly port: number
  readonly address: string
  readonly root: string
  readonly cluster: string
  readonly instanceName: string
  readonly advertise: AdvertiseMode
  readonly advertisedAddress: string
  readonly #server: Http1Server
  readonly #opts: ResolvedServerOptions
  /** Requests being handled, with their responses. */
  readonly #inFlight: Set<RequestTask>
  readonly #index: DirectoryIndex
  readonly #advertiser: MdnsAdvertiser | RegistryAdvertiser | undefined
  readonly #h5: H5Aggregator
  #closing: Promise<void> | undefined

  constructor (init: {
    server: Http1Server, opts: ResolvedServerOptions, port: number, address: string, instanceName: string,
    inFlight: Set<RequestTask>, index: DirectoryIndex, advertiser: MdnsAdvertiser | RegistryAdvertiser | undefined, advertisedAddress: string, root: string
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
      Promise.allSettled([...this.#inFlight].map((task) => task.done)),
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
    const closed = server.close()
    try {
      if (this.#advertiser instanceof MdnsAdvertiser) await this.#advertiser.close()
      else this.#advertiser?.close()
    } catch (err) {
      debug('server: withdrawing the advertisement failed: %s', (err as Error).message)
    }
    server.closeIdleConnections()
    // Answers still to come end their connection.
    for (const { res } of this.#inFlight) if (!res.headersSent) res.setHeader('Connection', 'close')
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

  const inFlight = new Set<RequestTask>()
  const chains = new WeakMap<RequestConnection, RequestChain>()
  // eslint-disable-next-line prefer-const -- set once listening; the handlers above read it
  let running: RunningDataServer | undefined
  const directContext: DirectPutContext | undefined = syncCommit && !opts.readOnly && !opts.testMode && opts.testDelayMs === 0
    ? { ...putContext, maxBodyBytes: opts.maxBodyBytes, pool: new BufferPool(1 << 20, 16) }
    : undefined

  const publish = (req: Http1Request, res: Http1Response): void => {
    if (!requestChannel.hasSubscribers) return
    const message: RequestMessage = {
      server: running?.url ?? '',
      method: req.method,
      url: req.url,
      status: res.headersSent || res.writableEnded ? res.statusCode : 0
    }
    requestChannel.publish(message)
  }

  // Turns an error of a request's handling into its answer (or a cut connection).
  const answerError = (req: Http1Request, res: Http1Response, err: unknown): void => {
    const head = req.method === 'HEAD'
    if (err instanceof UploadAbortedError || err === ABORTED) {
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

  const handle = async (req: Http1Request, res: Http1Response, previous: Promise<void>): Promise<void> => {
    try {
      await router.handle(req, res, previous)
    } catch (err) {
      answerError(req, res, err)
    }
  }

  const finish = (chain: RequestChain, task: RequestTask, req: Http1Request, res: Http1Response): void => {
    publish(req, res)
    task.settle()
    inFlight.delete(task)
    if (chain.last === task) chain.last = undefined
  }

  const run = async (chain: RequestChain, task: RequestTask, req: Http1Request, res: Http1Response, previous: Promise<void>): Promise<void> => {
    try {
      await handle(req, res, previous)
    } finally {
      // A request refused at once (405, 400, 415...) never waits for `previous`; its place in
      // the chain must still settle after it, or the next request would overtake an earlier
      // upload that is still committing.
      await previous
      finish(chain, task, req, res)
    }
  }

  // The request's answer when the server refuses what it expects before the body is sent.
  const expectation = (req: Http1Request, res: Http1Response): boolean => {
    const expect = req.headers['expect']
    if (expect === undefined || req.httpVersionMajor !== 1 || req.httpVersionMinor !== 1) return false
    if (expect.toLowerCase() !== '100-continue') {
      sendFailure(res, new HttpFailure(417, 'Expectation Failed', req.chunked || req.contentLength > 0), req.method === 'HEAD')
      return true
    }
    // Refuse a body we would refuse anyway before the client sends it.
    if (req.method === 'PUT' && req.contentLength > opts.maxBodyBytes) {
      sendFailure(res, new HttpFailure(413, 'Payload Too Large', true), false)
      return true
    }
    res.writeContinue()
    return false
  }

  const onRequest = (req: Http1Request, res: Http1Response): void => {
    const conn = req.socket
    let chain = chains.get(conn)
    if (chain === undefined) {
      chain = { last: undefined }
      chains.set(conn, chain)
    }
    const before = chain.last
    const task = new RequestTask(res)
    chain.last = task
    inFlight.add(task)
    if (requestStartChannel.hasSubscribers) requestStartChannel.publish({ server: running?.url ?? '', method: req.method, url: req.url })
    if (running?.closing === true) res.setHeader('Connection', 'close')
    const settledBefore = (): boolean => before === undefined || before.settled
    const previous = settledBefore() ? SETTLED : (before as RequestTask).done
    if (expectation(req, res)) {
      void previous.then(() => { finish(chain, task, req, res) })
      return
    }
    const c = chain
    if (directContext !== undefined && tryDirectPut(directContext, req, () => { sendEmpty(res, 200) }, {
      afterPrevious: (commit) => {
        if (settledBefore()) commit()
        else void (before as RequestTask).done.then(commit)
      },
      done: (err) => {
        if (err !== null) answerError(req, res, err)
        if (settledBefore()) finish(c, task, req, res)
        else void (before as RequestTask).done.then(() => { finish(c, task, req, res) })
      }
    })) return
    void run(c, task, req, res, previous)
  }

  const server = new Http1Server({ maxHeaderBytes: MAX_HEADER_BYTES, onRequest })
  let bound: { address: string, port: number }
  try {
    bound = await server.listen(opts.port, opts.host)
  } catch (err) {
    throw new ServerError(`cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}`, { cause: err })
  }

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
    await server.close()
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
