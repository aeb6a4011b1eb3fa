// Type-level tests of the public API, checked by `npm test`'s typecheck (tsc on test/): what
// users write compiles against the four entry points as package.json exports them, and misuse
// does not (each `@ts-expect-error` line fails the typecheck if it ever compiles). Nothing here
// runs: the code sits in functions that are never called.
import {
  ClusterBackend, InvalidArgumentError, MemoryBackend, SeriesReader, Streamer,
  type Ack, type Clock, type StreamerOptions
} from 'pyme-cluster'
import { decodePzf, encodePzf, PzfEncoderPool, type DecodedPzf, type PzfEncodeOptions } from 'pyme-cluster/pzf'
import { startDataServer, type DataServer, type DataServerOptions, type RequestMessage } from 'pyme-cluster/server'
import { NodeDirectory, parseServerAddress, startDiscovery, type DiscoveryOptions } from 'pyme-cluster/discovery'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
function expectType<T extends true> (): T | undefined { return undefined }

export async function streamerUsage (): Promise<void> {
  const options: StreamerOptions = { servers: ['127.0.0.1:15348'], pipelining: 8, overflow: 'spill', backoff: { minMs: 50 } }
  const s = new Streamer(options)
  const more: boolean = s.put('series/frame00000.pzf', new Uint8Array(8), { index: 0 })
  const ack: Ack = await s.putAsync('series/metadata.json', Buffer.from('{}'))
  expectType<Equal<typeof ack.path, string>>()
  void ack
  void more
  await s.close()
  // @ts-expect-error -- `server` is not an option (the runtime refuses it too)
  void new Streamer({ server: ['127.0.0.1'] })
  // @ts-expect-error -- overflow is one of 'block', 'drop', 'spill'
  void new Streamer({ servers: ['a'], overflow: 'wait' })
  // @ts-expect-error -- data is bytes, not a string
  s.put('x', 'text')
  const clock: Clock = { now: () => 0, timeout: () => ({ cancel () {} }), interval: () => ({ cancel () {} }) }
  void new Streamer({ servers: ['a'], clock })
}

export async function backendAndReaderUsage (): Promise<void> {
  const b = new MemoryBackend({ shape: [512, 512], dtype: 'uint16', maxPendingFrames: 8 })
  b.storeFrame(0, new Uint16Array(512 * 512))
  void new ClusterBackend('user/series.pcs', { shape: [64, 64], servers: ['127.0.0.1:15348'] })
  // @ts-expect-error -- shape is [width, height]
  void new MemoryBackend({ shape: [512] })
  // @ts-expect-error -- a ClusterBackend needs a series name first
  void new ClusterBackend({ shape: [64, 64] })
  const reader = await SeriesReader.open('/data/series.pcs')
  const n: number = reader.frameCount
  void n
  await reader.close()
  const err: unknown = null
  if (err instanceof InvalidArgumentError) {
    const code: string = err.code
    void code
  }
}

export async function pzfUsage (): Promise<void> {
  const opts: PzfEncodeOptions = { shape: [4, 4] }
  const bytes: Uint8Array = encodePzf(new Uint16Array(16), opts)
  const frame: DecodedPzf = decodePzf(bytes)
  void frame
  const pool = new PzfEncoderPool({ size: 2 })
  const out: Uint8Array = await pool.encode(new Uint16Array(16), opts, { transfer: true })
  void out
  await pool.close()
  // @ts-expect-error -- a pool's options are size and maxQueue
  void new PzfEncoderPool({ threads: 2 })
  // @ts-expect-error -- decodePzf takes bytes
  decodePzf('frame.pzf')
}

export async function serverAndDiscoveryUsage (): Promise<void> {
  const options: DataServerOptions = { root: '/data', port: 0, advertise: 'none', closeTimeoutMs: 1000 }
  const server: DataServer = await startDataServer(options)
  const url: string = server.url
  void url
  const seen: RequestMessage = { server: url, method: 'PUT', url: '/a', status: 200 }
  void seen
  // @ts-expect-error -- advertise is 'mdns', 'local' or 'none'
  await startDataServer({ advertise: 'zeroconf' })
  const d: DiscoveryOptions = { cluster: 'lab', mdns: false, registry: false, servers: ['127.0.0.1'] }
  const dir: NodeDirectory = await startDiscovery(d)
  const servers = await dir.waitForServers({ min: 1, timeoutMs: 1000 })
  const first: string | undefined = servers[0]?.url
  void first
  await dir.close()
  void parseServerAddress('127.0.0.1:15348').url
  // @ts-expect-error -- waitForServers takes { min, timeoutMs }
  await dir.waitForServers({ timeout: 5 })
}
