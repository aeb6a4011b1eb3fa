// The measured client of bench:e2e: one ClusterBackend series from a camera-like source, in
// its own process, on the compiled package (dist/, the public API as users import it).
// Plain JavaScript on purpose: started through the TypeScript loader, the process would hold
// the TypeScript compiler in its heap (some 18 MB more to mark in every major GC) and its CPU
// per frame would not be what a user's acquisition pays.
//
// Protocol with e2e.bench.ts (one JSON line each way, stdin/stdout):
//   argv[2]  JSON { servers, side, frames, compression, series: [name, ...], distinct, distribution?, ring? }
//   then for each series, one after the other in this process (a new ClusterBackend each):
//   → {"ready":true}      frames generated, backend initialised (connections open; the copying
//                         backend's frame memory prepared, its default `preallocate`)
//   ← go                  the parent has sampled CPU; the clock starts
//   → {"seconds",...}     the last frame is stored (answered 200); then finalize() ran
//   and at the end
//   ← exit
//
// The first series runs in a fresh process: its code is compiled while it runs (on Node 20 the
// optimising compiler takes over a few thousand requests in). Later series show what an
// acquisition program that stays up (PYMEAcquire stores series after series) pays.
//
// The camera owns ONE buffer and reuses it for every frame, as real cameras do: each frame is
// copied into it (as a frame grabber's DMA would fill it) right before storeFrame, so the
// backend must not keep a reference past storeFrame (transfer: false, the default). That copy
// is part of the process's CPU during the run; its cost is measured apart before the run
// (`fillMs`: CPU ms per fill, the process otherwise idle), since wall time under the others'
// load would say little.
//
// With `ring: N` the camera owns N buffers from `backend.allocateFrame()` instead, fills a free
// one per frame and lends it (`storeFrame(n, buffer, release)`); the backend gives it back when it
// no longer needs it. Raw frames then go out with no copy in this process (a camera SDK's queue
// of buffers works this way).
import { createInterface } from 'node:readline'
import { PerformanceObserver } from 'node:perf_hooks'
import { once } from 'node:events'
import { ClusterBackend } from '../../dist/index.js'
import { makeCameraFrame } from '../../dist/internal/camera-simulator.js'

const args = JSON.parse(process.argv[2])
const lines = createInterface({ input: process.stdin })
const nextLine = async () => (await once(lines, 'line'))[0]
const say = (obj) => { process.stdout.write(JSON.stringify(obj) + '\n') }

const { servers, side, frames, compression, distinct } = args
const ringSize = args.ring ?? 0
const source = Array.from({ length: distinct }, (_, i) => makeCameraFrame(side, side, { seed: 12, frame: i }))
const camera = new Uint16Array(side * side)

const FILLS = 2 * distinct
camera.set(source[0]) // the camera's buffer is touched before it runs, as the ring's are
const cpu0 = process.cpuUsage()
for (let i = 0; i < FILLS; i++) camera.set(source[i % distinct])
const cpu1 = process.cpuUsage(cpu0)
const fillMs = (cpu1.user + cpu1.system) / 1000 / FILLS

/** Stores one series of `frames` frames with a new ClusterBackend; says ready, waits for go, reports. */
async function storeSeries (series) {
  const backend = new ClusterBackend(series, {
    servers,
    shape: [side, side],
    compression,
    // Lent frames from allocateFrame() are sent as they are: no memory of the backend's to prepare.
    ...(ringSize > 0 ? { preallocate: false } : {}),
    ...(args.distribution === undefined ? {} : { distribution: args.distribution })
  })
  const initStarted = performance.now()
  await backend.initialize()
  const initializeMs = performance.now() - initStarted
  // The ring is allocated and touched before the run, as a camera's buffers are.
  const free = Array.from({ length: ringSize }, (_, i) => { const b = backend.allocateFrame(); b.set(source[i % distinct]); return b })
  let wake = null
  const giveBack = (frame) => {
    free.push(frame)
    if (wake !== null) {
      const w = wake
      wake = null
      w()
    }
  }

  let stored = 0
  let lastStored = 0
  backend.on('stored', (name) => {
    if (name.endsWith('.pzf')) {
      stored++
      lastStored = performance.now()
    }
  })
  let failed = 0
  backend.on('failed', () => { failed++ })

  say({ ready: true })
  if (await nextLine() !== 'go') process.exit(2)

  // Steady state (the second half of the run): frame-sized buffers the backend creates, garbage
  // collections and bytes the JavaScript heap grows by between collections, per frame.
  const gcs = { minor: 0, major: 0 }
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.detail?.kind === 1) gcs.minor++
      else gcs.major++
    }
  })
  let steady = null
  const started = performance.now()
  for (let i = 0; i < frames; i++) {
    if (i === frames >> 1) {
      steady = { buffers: backend.stats().stream?.buffersAllocated ?? 0, frames: frames - i }
      gcObserver.observe({ entryTypes: ['gc'] })
    }
    if (ringSize > 0) {
      while (free.length === 0) await new Promise((resolve) => { wake = resolve })
      const buffer = free.pop()
      buffer.set(source[i % distinct])
      if (!backend.storeFrame(i, buffer, giveBack)) await backend.ready()
      continue
    }
    camera.set(source[i % distinct])
    if (!backend.storeFrame(i, camera)) await backend.ready()
  }
  const streamStats = backend.stats().stream
  gcObserver.disconnect()
  const report = await backend.finalize()
  const finished = performance.now()
  const heap = process.memoryUsage()
  say({
    seconds: ((stored === frames ? lastStored : finished) - started) / 1000,
    finalizeSeconds: (finished - started) / 1000,
    stored,
    failed,
    bytes: report.bytes ?? null,
    fillMs,
    initializeMs,
    rssMiB: heap.rss / 1048576,
    steadyFrames: steady?.frames ?? 0,
    steadyBuffers: (streamStats?.buffersAllocated ?? 0) - (steady?.buffers ?? 0),
    buffersAllocated: streamStats?.buffersAllocated ?? 0,
    steadyMinorGcs: gcs.minor,
    steadyMajorGcs: gcs.major,
    externalMiB: heap.external / 1048576
  })
}

for (const series of args.series) await storeSeries(series)
await nextLine()
process.exit(0)
