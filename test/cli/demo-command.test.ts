import { readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import t from 'tap'
import { main } from '../../lib/cli/main.js'
import type { CliIo } from '../../lib/cli/command.js'
import { countVerified, demoCommand, demoFailure } from '../../lib/cli/demo-command.js'
import { StoreFailedError, VerificationError } from '../../lib/errors.js'
import { DemoCamera, expectedFrame } from '../../lib/cli/demo-camera.js'
import { cameraBytesPerSecond, cameraVerdicts, CAMERAS, progressLine } from '../../lib/cli/demo-report.js'
import { throughput } from '../../lib/backends/throughput-meter.js'
import { quantisationBound, verifyDemoFrame, VERIFY_BAD_HEADER, VERIFY_DIFFERS, VERIFY_OK } from '../../lib/cli/demo-verify.js'
import { encodePzf } from '../../lib/pzf/encode-pzf.js'
import { startDataServers } from '../helpers/data-servers.js'

function io (signal = new AbortController().signal, tty = false): CliIo & { out: () => string, err: () => string } {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  if (tty) Object.assign(stderr, { isTTY: true })
  let o = ''
  let e = ''
  stdout.on('data', (c: Buffer) => { o += c.toString() })
  stderr.on('data', (c: Buffer) => { e += c.toString() })
  return { stdout, stderr, env: {}, signal, out: () => o, err: () => e }
}

const small = ['--width', '64', '--height', '48', '--workers', '1']

interface DemoJson {
  url: string
  cluster: { servers: string[], mode: string | null, root: string | null, kept: boolean }
  acquisition: { acquired: number, due: number | null, report: { frames: number, complete: boolean, stream: { files: number } } }
  verification: { verified: number, missing: number, differing: number, complete: boolean, frameCount: number, worst: number }
  cameras: Array<{ camera: string, verdict: string }>
}

t.test('a paced acquisition on a local cluster of one, read back bit for bit', async (t) => {
  const a = io(undefined, true)
  t.equal(await main(['demo', ...small, '--rate', '40', '--seconds', '1', '--server', 'in-process'], a), 0, a.err())
  const out = a.out()
  t.match(out, /simulated sCMOS camera, 64x48 uint16, paced at 40 fps, huffman/)
  t.match(out, /1 local data server\(s\) \(in this process\), root .*pyme-demo-.* \(removed\)/)
  t.match(out, /series {4}PYME-CLUSTER:\/\/\/pyme-cluster-demo\/.*\.pcs/)
  t.match(out, /acquired {2}40 of 40 frames due/)
  t.match(out, /verified {2}40 of 40 frames bit for bit/)
  t.match(out, /lost 0, differing 0, dropped 0, failed 0/)
  // Whether the run kept pace is judged by the wall clock (a stall on a loaded machine makes it
  // 'not sustained'); the verdicts of each case are tested on their own below. What a paced run
  // of tiny frames never shows is a claim that it sustains the ORCA's rate.
  t.match(out, /Hamamatsu ORCA-Flash4.0 V3 +2048x2048 +100 +839 +not (measured|sustained)/, 'a paced run shows only the paced rate')
  t.match(out, /try --rate max/)
  t.match(a.err(), /\r.*frames \d+\/40 .*queue \d+ {2}dropped 0\x1b\[K/, 'a live line on a terminal')
  const root = /root (\S+) \(removed\)/.exec(out)?.[1] ?? ''
  await t.rejects(stat(root), { code: 'ENOENT' }, 'the temporary root is removed')
})

t.test('--json: two server processes, quantised, a fixed frame count, kept root', async (t) => {
  const a = io()
  t.equal(await demoCommand.run([...small, '--frames', '30', '--rate', 'max', '--quantize', '100,1', '--nodes', '2', '--keep', '--json', '--seed', '5'], a), 0, a.err())
  const r = JSON.parse(a.out()) as DemoJson
  t.teardown(() => rm(r.cluster.root ?? '/nonexistent', { recursive: true, force: true }))
  t.equal(r.cluster.mode, 'process')
  t.equal(r.cluster.servers.length, 2)
  t.equal(r.cluster.kept, true)
  t.equal(r.acquisition.acquired, 30)
  t.equal(r.acquisition.due, 30)
  t.equal(r.acquisition.report.frames, 30)
  t.equal(r.acquisition.report.stream.files, 36, '30 frames and a copy of the three series files on each of the 2 nodes')
  t.same([r.verification.verified, r.verification.missing, r.verification.differing, r.verification.frameCount], [30, 0, 0, 30])
  t.ok(r.verification.worst > 0 && r.verification.worst <= 1, 'quantised: within the bound, not exact')
  t.equal(r.cameras.length, CAMERAS.length)
  t.ok(r.cameras.every((c) => c.verdict === 'not sustained'), 'tiny frames: far below any camera')
  const series = r.url.replace('PYME-CLUSTER:///', '')
  // The distribution decides which nodes get files: a node may hold none of 30 small frames.
  const list = async (node: string): Promise<string[]> => await readdir(join(r.cluster.root ?? '', node, series)).catch(() => [])
  const names = [...await list('node0'), ...await list('node1')]
  t.equal(names.filter((n) => n.endsWith('.pzf')).length, 30, 'the kept root holds the series')
  t.match(a.err(), /frames 30\/30 {2}stored 30/, 'plain progress lines when not a terminal')
})

t.test('--servers: an existing data server keeps the series', async (t) => {
  const [server] = await startDataServers(t, 1)
  const a = io()
  t.equal(await main(['demo', ...small, '--frames', '5', '--rate', 'max', '--compression', 'raw', '--servers', server!.url], a), 0, a.err())
  t.match(a.out(), /cluster {3}cluster http:\/\/127\.0\.0\.1:\d+\/ \(the series stays there\)/)
  t.match(a.out(), /verified {2}5 of 5 frames bit for bit/)
  const [dir] = await readdir(join(server!.root, 'pyme-cluster-demo'))
  t.ok(dir !== undefined)
})

t.test('a server that refuses writes: the error and its exit code', async (t) => {
  const [server] = await startDataServers(t, 1, { readOnly: true })
  const a = io()
  t.not(await main(['demo', ...small, '--frames', '2', '--servers', server!.url], a), 0)
  t.match(a.err(), /pyme-cluster: .*403/)
})

t.test('usage errors and --help', async (t) => {
  const bad = [
    ['--width', '0'], ['--height', 'x'], ['--width', '16385'], ['--rate', '0'], ['--rate', 'fast'],
    ['--seconds', '-1'], ['--frames', '0'], ['--frames', '3', '--seconds', '1'], ['--compression', 'zip'],
    ['--quantize', '100'], ['--quantize', '-1,1'], ['--quantize', '100,1000'], ['--quantize', '100,1', '--compression', 'raw'],
    ['--server', 'thread'], ['--cluster', 'a', '--servers', 'http://x:1/'], ['--servers', 'http://x:1/', '--nodes', '2'],
    ['--cluster', 'a', '--keep'], ['--servers', ','], ['--cluster', ''], ['--nodes', '0'], ['--workers', '0'], ['--bogus']
  ]
  for (const args of bad) {
    const a = io()
    t.equal(await main(['demo', ...args], a), 2, args.join(' '))
    t.match(a.err(), /^pyme-cluster: /)
  }
  const c = io()
  t.equal(await main(['demo', '--help'], c), 0)
  t.match(c.out(), /Usage: pyme-cluster demo/)
  t.match(c.out(), /--quantize O,S/)
})

t.test('interrupted: before the start, and during the acquisition (the series is still completed)', async (t) => {
  const ac = new AbortController()
  ac.abort()
  const a = io(ac.signal)
  t.equal(await demoCommand.run(small, a), 130)
  t.match(a.err(), /interrupted/)

  const later = new AbortController()
  const b = io(later.signal)
  ;(b.stderr as PassThrough).once('data', () => { later.abort() })
  t.equal(await demoCommand.run([...small, '--rate', '20', '--seconds', '30', '--server', 'in-process'], b), 130)
  t.match(b.out(), /verified {2}skipped \(interrupted\)/)
  t.match(b.err(), /interrupted/)
})

t.test('camera, check and report units', async (t) => {
  const spec = { width: 16, height: 8, seed: 3 }
  const camera = new DemoCamera(spec)
  const f = camera.frame(70000)
  t.same([f[0], f[1]], [70000 & 0xffff, 1], 'frame number stamped in the first two pixels')
  t.same([...expectedFrame(spec, 70000)], [...f], 'rebuilt elsewhere identically')
  t.same([...expectedFrame({ ...spec, seed: 4 }, 70000)].slice(0, 2), [70000 & 0xffff, 1])
  const one = new DemoCamera({ width: 1, height: 1, seed: 1 })
  t.equal(one.frame(3)[0], 3)

  const pixels = camera.frame(9).slice()
  const encoded = (n: number, data = pixels, quantization: { offset: number, scale: number } | null = null): Uint8Array =>
    encodePzf(data, { shape: [16, 8], dimOrder: 'F', frameNum: n, sequenceId: 77, quantization })
  const arg = { ...spec, n: 9, sequenceId: 77, quantization: null }
  const status = (out: Uint8Array): number[] => [...new Float64Array(out.buffer, out.byteOffset, 2)]
  t.same(status(verifyDemoFrame(encoded(9), arg)), [VERIFY_OK, 0])
  t.same(status(verifyDemoFrame(encoded(8), arg)), [VERIFY_BAD_HEADER, 0], 'stored under another number')
  t.same(status(verifyDemoFrame(encoded(9), { ...arg, sequenceId: 78 })), [VERIFY_BAD_HEADER, 0])
  const changed = pixels.slice()
  changed[40] = (changed[40] ?? 0) + 1
  t.same(status(verifyDemoFrame(encoded(9, changed), arg)), [VERIFY_DIFFERS, 0], 'one pixel off')
  const q = { offset: 100, scale: 1 }
  const [ok, worst] = status(verifyDemoFrame(encoded(9, pixels, q), { ...arg, quantization: q }))
  t.equal(ok, VERIFY_OK)
  t.ok((worst ?? 2) <= 1)
  const [bad] = status(verifyDemoFrame(encoded(9, pixels, { offset: 100, scale: 4 }), { ...arg, quantization: q }))
  t.equal(bad, VERIFY_DIFFERS, 'a coarser quantiser than the one checked for')
  t.equal(quantisationBound(90, 100, 1), 10)
  t.equal(quantisationBound(104, 100, 2), 2 * 2 + 1 + 1)

  const counts = { verified: 0, badHeader: 0, differing: 0, worst: 0 }
  for (const out of [verifyDemoFrame(encoded(9), arg), verifyDemoFrame(encoded(8), arg), verifyDemoFrame(encoded(9, changed), arg)]) countVerified(counts, out)
  t.same(counts, { verified: 1, badHeader: 1, differing: 1, worst: 0 })

  const good = { complete: true, frameCount: 10, verified: 10, badHeader: 0, differing: 0, missing: 0, worst: 0, seconds: 1 }
  t.equal(demoFailure({ acquired: 10, storeError: null }, good), null)
  t.equal(demoFailure({ acquired: 10, storeError: null }, null), null, 'interrupted: nothing to judge')
  const stored = new StoreFailedError('2 file(s) were not stored', ['frame00001.pzf', 'frame00002.pzf'])
  t.equal(demoFailure({ acquired: 10, storeError: stored }, good), stored)
  t.match(demoFailure({ acquired: 10, storeError: null }, { ...good, verified: 9, missing: 1 }), { constructor: VerificationError, message: /1 of 10 frames lost or different/ })
  t.match(demoFailure({ acquired: 10, storeError: null }, { ...good, complete: false }), { code: 'PYME_ERR_VERIFY', message: /series complete: false/ })
  t.match(demoFailure({ acquired: 11, storeError: null }, good), { message: /frame count 10/ })

  t.equal(cameraBytesPerSecond(CAMERAS[0]!), 2048 * 2048 * 2 * 100)
  const fast = cameraVerdicts({ rawBytesPerSecond: 1e9, keptPace: false })
  t.same(fast.map((c) => c.verdict), ['sustained', 'sustained', 'sustained', 'not sustained', 'not sustained'])
  t.same(cameraVerdicts({ rawBytesPerSecond: 839e6, keptPace: true }).map((c) => c.verdict).slice(0, 3), ['sustained', 'sustained', 'not measured'])
  t.match(progressLine({ elapsedS: 0, frames: 0, target: null, stored: 0, rate: throughput(0, 0, 0, 0), pending: 0, dropped: 0 }), /frames 0 {2}stored 0 .*ratio -/)
  t.match(progressLine({ elapsedS: 2, frames: 20, target: 40, stored: 20, rate: throughput(20, 20e6, 10e6, 2000), pending: 0, dropped: 0 }),
    /frames 20\/40 {2}stored 20 {2}10\.0 fps {2}10\.0 MB\/s raw {2}5\.0 MB\/s wire {2}ratio 2\.00/)
})
