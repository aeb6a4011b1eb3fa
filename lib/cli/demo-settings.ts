/**
 * Options of `pyme-cluster demo`: the usage text and the parser (InvalidArgumentError naming
 * the option, exit code 2).
 */
import { parseArgs } from 'node:util'
import type { BackendQuantization } from '../backends/series-backend-options.js'
import { InvalidArgumentError } from '../errors.js'
import { parseServerList } from '../internal/server-address.js'
import type { DemoServerMode } from './demo-cluster.js'
import { intOption } from './int-option.js'

export const DEMO_USAGE = `Usage: pyme-cluster demo [options]

A simulated acquisition end to end: starts a cluster of local data servers on a temporary
root, runs a simulated sCMOS camera (camera-like uint16 frames, each stamped with its number),
streams it through ClusterBackend (PZF on worker threads, pipelined HTTP to the servers) with
a live progress line on stderr, reads the series back with SeriesReader, checks every frame
(bit for bit, or within the quantiser's bound), and prints the rates next to the scientific
cameras they sustain. Exits non-zero if any frame is lost or differs.

Camera:
  --width N            frame width in pixels (default 2048)
  --height N           frame height in pixels (default 2048)
  --rate FPS|max       frame rate the camera is paced at, or max (default 100)
  --seconds S          acquisition time (default 10; the camera stops then, even if behind)
  --frames N           acquire exactly N frames instead (however long it takes)
  --seed N             simulation seed (default 1)
Encoding:
  --compression MODE   huffman (default, lossless) or raw
  --quantize O,S       sqrt quantisation, offset O >= 0 ADU, scale S in 0.001..100 (huffman only)
  --workers N          encoder threads (default: one per core; measured faster than cores - 1)
Cluster:
  --nodes N            local data servers (default 1)
  --server MODE        process (each server in a child process, default) or in-process
  --keep               keep the temporary root (the series stays readable there)
  --cluster NAME       stream to an existing cluster found by discovery instead
  --servers ADDRS      stream to these data servers instead (host:port or http://host:port/, comma separated)
Output:
  --json               the summary as JSON on stdout
  -h, --help           this text
`

/** Parsed options. */
export interface DemoSettings {
  readonly width: number
  readonly height: number
  /** Frames per second, or null for as fast as the pipeline takes them. */
  readonly rate: number | null
  readonly seconds: number
  /** A fixed frame count (overrides the time limit), or null. */
  readonly frames: number | null
  readonly seed: number
  readonly compression: 'raw' | 'huffman'
  readonly quantization: BackendQuantization | null
  readonly workers: number | null
  readonly nodes: number
  readonly serverMode: DemoServerMode
  readonly keep: boolean
  readonly cluster: string | null
  readonly servers: readonly string[] | null
  readonly json: boolean
}

function num (v: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback
  const n = Number(v)
  if (v.trim() === '' || !Number.isFinite(n) || n <= min || n > max) throw new InvalidArgumentError(`invalid --${name} '${v}': expected a number above ${min}, at most ${max}`)
  return n
}

function quantize (v: string | undefined, compression: string): BackendQuantization | null {
  if (v === undefined) return null
  const parts = v.split(',').map((p) => Number(p))
  const [offset, scale] = parts
  if (parts.length !== 2 || offset === undefined || scale === undefined || !(offset >= 0 && offset <= 65535) || !(scale >= 0.001 && scale <= 100)) {
    throw new InvalidArgumentError(`invalid --quantize '${v}': expected OFFSET,SCALE with offset 0..65535 and scale 0.001..100`)
  }
  if (compression !== 'huffman') throw new InvalidArgumentError('invalid --quantize: needs --compression huffman')
  return { offset, scale }
}

/** Parses the demo's arguments; InvalidArgumentError (or parseArgs' errors) for bad ones. */
export function parseDemoArgs (args: readonly string[]): DemoSettings {
  const { values: v } = parseArgs({
    args: [...args],
    options: {
      width: { type: 'string' },
      height: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      frames: { type: 'string' },
      seed: { type: 'string' },
      compression: { type: 'string' },
      quantize: { type: 'string' },
      workers: { type: 'string' },
      nodes: { type: 'string' },
      server: { type: 'string' },
      keep: { type: 'boolean', default: false },
      cluster: { type: 'string' },
      servers: { type: 'string' },
      json: { type: 'boolean', default: false }
    },
    strict: true,
    allowPositionals: false
  })
  const width = intOption(v.width, 'width', 1, 16384) ?? 2048
  const height = intOption(v.height, 'height', 1, 16384) ?? 2048
  if (v.frames !== undefined && v.seconds !== undefined) throw new InvalidArgumentError('invalid --frames: give --frames or --seconds, not both')
  const compression = v.compression ?? 'huffman'
  if (compression !== 'huffman' && compression !== 'raw') throw new InvalidArgumentError(`invalid --compression '${compression}': expected huffman or raw`)
  const serverMode = v.server ?? 'process'
  if (serverMode !== 'process' && serverMode !== 'in-process') throw new InvalidArgumentError(`invalid --server '${serverMode}': expected process or in-process`)
  if (v.cluster !== undefined && v.servers !== undefined) throw new InvalidArgumentError('invalid --cluster: give --cluster or --servers, not both')
  const remote = v.cluster !== undefined || v.servers !== undefined
  if (remote && (v.nodes !== undefined || v.server !== undefined || v.keep)) {
    throw new InvalidArgumentError('invalid --nodes/--server/--keep: they apply to local servers, not to --cluster or --servers')
  }
  if (v.cluster === '') throw new InvalidArgumentError('invalid --cluster: expected a cluster name')
  const servers = v.servers === undefined ? null : parseServerList(v.servers, '--servers').map((s) => s.url)
  if (servers?.length === 0) throw new InvalidArgumentError('invalid --servers: expected host:port or http://host:port/ addresses')
  return {
    width,
    height,
    rate: v.rate === 'max' ? null : num(v.rate, 'rate', 100, 0, 100_000),
    seconds: num(v.seconds, 'seconds', 10, 0, 24 * 3600),
    frames: intOption(v.frames, 'frames', 1, 100_000_000) ?? null,
    seed: intOption(v.seed, 'seed', 0, 2 ** 31 - 1) ?? 1,
    compression,
    quantization: quantize(v.quantize, compression),
    workers: intOption(v.workers, 'workers', 1, 256) ?? null,
    nodes: intOption(v.nodes, 'nodes', 1, 64) ?? 1,
    serverMode,
    keep: v.keep,
    cluster: v.cluster ?? null,
    servers,
    json: v.json
  }
}
