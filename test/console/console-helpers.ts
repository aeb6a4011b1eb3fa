/**
 * Test rig of the console: real data servers on loopback with real series written by
 * `ClusterBackend` (or files put straight into a server's root), a connected `Cluster`, and a
 * console on port 0. Frames have known pixels (`pixel(n, i)`), so any reader's output can be
 * checked against them.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { connect as connectTcp } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { request } from 'undici'
import { ClusterBackend } from '../../lib/backends/cluster-backend.js'
import { Cluster } from '../../lib/cluster/cluster.js'
import type { ClusterOptions } from '../../lib/cluster/cluster-options.js'
import { startConsole, type ConsoleOptions, type ConsoleServer } from '../../lib/console/console-server.js'
import { encodePzf, type PzfEncodeOptions } from '../../lib/pzf/encode-pzf.js'
import type { DataServer } from '../../lib/server/index.js'
import { startDataServers } from '../helpers/data-servers.js'

export const W = 40
export const H = 24

/** Pixel `i` (x + W*y) of frame `n`: distinct per frame and position, wide range for contrast. */
export function pixel (n: number, i: number): number {
  return (n * 977 + i * 13 + ((i * 7919) % 251)) & 0xffff
}

/** Frame `n` as a camera buffer (x fastest). */
export function frame (n: number, w = W, h = H): Uint16Array {
  const f = new Uint16Array(w * h)
  for (let i = 0; i < f.length; i++) f[i] = pixel(n, i)
  return f
}

/** `n` data servers on loopback with their roots. */
export async function servers (t: Test, n = 2): Promise<DataServer[]> {
  return await startDataServers(t, n)
}

/** Starts a series: metadata.json written, frames 0..count-1 stored (waits for every one to be acknowledged). */
export async function writeSeries (urls: readonly string[], name: string, count: number,
  options: { readonly finalize?: boolean, readonly metadata?: Record<string, number | string>, readonly events?: ReadonlyArray<[string, string]> } = {}): Promise<ClusterBackend> {
  const backend = new ClusterBackend(name, {
    shape: [W, H],
    servers: urls,
    pool: false,
    metadata: { 'voxelsize.x': 0.065, 'voxelsize.y': 0.065, 'Camera.CycleTime': 0.01, ...options.metadata }
  })
  await backend.initialize()
  await addFrames(backend, 0, count)
  for (const [k, v] of options.events ?? []) backend.logEvent(k, v)
  if (options.finalize !== false) await backend.finalize()
  return backend
}

/** Stores frames `from..to-1` and waits until each is acknowledged. */
export async function addFrames (backend: ClusterBackend, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) if (!backend.storeFrame(n, frame(n))) await backend.ready()
  while (backend.stats().framesStored < to) await once(backend, 'stored')
}

/** Writes a file straight into a data server's root (as another tool would), mode 0440 like a stored file. */
export async function plantFile (server: DataServer, path: string, data: Uint8Array | string): Promise<void> {
  const full = join(server.root, ...path.split('/'))
  await mkdir(join(full, '..'), { recursive: true })
  await writeFile(full, data)
  await chmod(full, 0o440)
}

/** A PZF frame file of frame `n` in `dimOrder`, as `plantFile` data. */
export function pzfFrame (n: number, options: Partial<PzfEncodeOptions> = {}): Uint8Array {
  return encodePzf(frame(n), { shape: [W, H], dimOrder: 'F', frameNum: n, compression: 'huffman', ...options })
}

export const noDiscovery = { registry: false, mdns: false, env: {} } as const

/** A connected cluster client (closed at teardown). */
export async function connect (t: Test, urls: readonly string[], options: ClusterOptions = {}): Promise<Cluster> {
  const cluster = await Cluster.connect({ servers: urls, cluster: 'consoletest', ...noDiscovery, ...options })
  t.teardown(() => cluster.close())
  return cluster
}

/** A console on port 0 over `cluster` (closed at teardown). */
export async function startTestConsole (t: Test, cluster: Cluster, options: Partial<ConsoleOptions> = {}): Promise<ConsoleServer> {
  const c = await startConsole({ port: 0, settleMs: 20, refreshMs: 100, decodeThreads: 2, statusIntervalMs: 500, ...options, cluster })
  t.teardown(() => c.close())
  return c
}

/** A request to the console; the body as a Buffer. */
export async function fetchRaw (url: string, init: { method?: string, headers?: Record<string, string>, body?: string } = {}): Promise<{ status: number, headers: Record<string, string | string[] | undefined>, body: Buffer }> {
  const res = await request(url, { method: (init.method ?? 'GET') as 'GET', headers: init.headers ?? {}, body: init.body ?? null })
  const body = Buffer.from(await res.body.arrayBuffer())
  return { status: res.statusCode, headers: res.headers, body }
}

/** One `<response>` of a multistatus, as Python's XML parser read it. */
export interface DavResponse {
  readonly href: string
  readonly props: Record<string, { readonly status: number, readonly value: string | string[] }>
}

/** Why Python cannot parse XML here, or undefined when it can. */
export function noPython (): string | undefined {
  const r = spawnSync('python3', ['-c', 'import xml.etree.ElementTree, json'], { stdio: 'ignore' })
  return r.status === 0 ? undefined : 'python3 is not installed, so the PROPFIND XML cannot be parsed by an independent parser'
}

/** Parses a multistatus body with Python's xml.etree (throws if it is not well-formed XML). */
export function parseMultistatus (xml: Buffer | string): DavResponse[] {
  const script = fileURLToPath(new URL('./multistatus.py', import.meta.url))
  const r = spawnSync('python3', [script], { input: xml, maxBuffer: 256 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`multistatus.py: ${r.stderr.toString()}`)
  return JSON.parse(r.stdout.toString()) as DavResponse[]
}

/** Sends one request exactly as written (no client-side normalisation of the target) and returns the status line's code. */
export async function rawStatus (port: number, target: string, method = 'GET'): Promise<{ status: number, body: string }> {
  const socket = connectTcp(port, '127.0.0.1')
  socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`)
  let text = ''
  socket.setEncoding('latin1')
  for await (const chunk of socket) text += chunk as string
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text)
  return { status: m === null ? 0 : Number(m[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) }
}

/** A Python that has tifffile and numpy (Debian's python3-tifffile lives in /usr/bin/python3), or undefined. */
export function tifffilePython (): string | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import tifffile, numpy'], { stdio: 'ignore' }).status === 0) return py
  }
  return undefined
}

/** True when a program runs (`--version`-style probe). */
export function hasProgram (name: string, args: readonly string[] = ['--version']): boolean {
  const r = spawnSync(name, [...args], { stdio: 'ignore' })
  return r.error === undefined
}

/** What tifffile reads from a TIFF file (read_tiff.py). */
export interface TifffileView {
  readonly shape: number[]
  readonly dtype: string
  readonly axes: string
  readonly imagej: Record<string, unknown>
  readonly is_imagej: boolean
  readonly is_bigtiff: boolean
  readonly pages: number
  readonly resolution: [number, number] | null
  readonly md5: string[]
}

export function readWithTifffile (python: string, file: string): TifffileView {
  const script = fileURLToPath(new URL('./read_tiff.py', import.meta.url))
  const r = spawnSync(python, [script, file], { maxBuffer: 64 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`read_tiff.py: ${r.stderr.toString()}`)
  return JSON.parse(r.stdout.toString()) as TifffileView
}

/** Every directory's strip bytes as libtiff reads them (`tiffinfo -D -d`), and its tag lines. */
export function readWithLibtiff (file: string): { directories: Array<{ text: string, strip: Buffer }>, stderr: string } {
  const r = spawnSync('tiffinfo', ['-D', '-d', file], { maxBuffer: 256 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`tiffinfo: ${r.stderr.toString()}`)
  const out = r.stdout.toString()
  const directories = out.split(/^=== TIFF directory \d+ ===$/m).slice(1).map((block) => {
    const at = block.indexOf('Strip 0:')
    const hex = at < 0 ? '' : block.slice(at + 8).split(/^\S/m)[0] as string
    return { text: at < 0 ? block : block.slice(0, at), strip: Buffer.from(hex.replace(/\s+/g, ''), 'hex') }
  })
  return { directories, stderr: r.stderr.toString() }
}

/** MD5 of bytes, hex. */
export function md5 (data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex')
}
