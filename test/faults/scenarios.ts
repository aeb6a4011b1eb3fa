/**
 * The seven scenarios of the fault and load suite (issue 7). Each runs on 3 nodes, streams
 * `scale.frames` camera frames through `ClusterBackend` while one thing goes wrong, and then
 * runs the shared checks of `scenario-run.ts`. Faults are timed by the client's own progress
 * lines (frames given, node states seen by its Streamer), never by sleeping blindly; holds
 * stop the camera at a frame count where a scenario needs a node back before the series ends.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { joinClusterPath } from '../../lib/internal/cluster-path.js'
import { ClientProcess, resultPath } from './client-process.js'
import { inspectDisk, tempFilesUnder } from './disk-check.js'
import type { BigFileSpec, ClientResult, ProgressLine } from './fault-config.js'
import type { FaultCluster } from './fault-cluster.js'
import {
  checkSeries, checkServing, finishAcquisitions, mib, seriesSpec, startAcquire, verify,
  type Scenario, type ScenarioContext
} from './scenario-run.js'

function stateOf (p: ProgressLine, url: string): string {
  return p.nodes[url] ?? 'unknown'
}

/** The node left the Streamer's usable set (down, full or removed by discovery). */
function isOut (p: ProgressLine, url: string): boolean {
  const s = stateOf(p, url)
  return s !== 'up' && s !== 'unknown'
}

function urlOf (fc: FaultCluster, i: number): string {
  return (fc.nodes[i] as { url: string }).url
}

/** The client's record shows `url` going out (any state but 'up'), and optionally back up. */
function sawNode (r: ClientResult, url: string, what: 'out' | 'up'): boolean {
  return r.nodeEvents.some(([, u, state]) => u === url && (what === 'up' ? state === 'up' : state !== 'up'))
}

/** Table numbers of one client. */
function numbers (r: ClientResult, lost: number, copies: number): {
  frames: number, lost: number, rerouted: number, retries: number, copies: number, maxRss: number, warmRss: number, liveGrowth: number, peakBuffered: number, budget: number, discovery: string
} {
  return {
    frames: r.framesAccepted,
    lost,
    rerouted: r.stream?.rerouted ?? 0,
    retries: r.stream?.retries ?? 0,
    copies,
    maxRss: r.maxRss,
    warmRss: r.warmRss,
    liveGrowth: r.maxLive - r.warmLive,
    peakBuffered: r.peakBufferedBytes,
    budget: r.memoryBudget,
    discovery: r.discovery
  }
}

/** Stops the camera at its hold, brings nodes back, waits until its Streamer uses them, lets it go on. */
async function backBeforeTheEnd (c: ClientProcess, fc: FaultCluster, nodes: readonly number[], restart: boolean): Promise<void> {
  await c.nextHold()
  if (restart) await Promise.all(nodes.map((i) => fc.restart(i)))
  await c.waitFor(`node(s) ${nodes.join(', ')} up again`, (p) => nodes.every((i) => stateOf(p, urlOf(fc, i)) === 'up'), 60_000)
  c.release()
}

/** How one node is taken out of the cluster and brought back. */
interface OutAndBack {
  readonly victim: number
  readonly cut: (fc: FaultCluster) => void
  /** Undoes `cut` (always called, also when waiting failed). */
  readonly mend?: (fc: FaultCluster) => void
  /** How long the node stays out after the Streamer noticed, ms. */
  readonly outMs: number
  /** Bring it back by restarting its server (at 60 % of the frames). */
  readonly restart: boolean
}

/**
 * Scenarios 1, 2 and 4: at 30 % of the frames node `victim` is cut; once the client's
 * Streamer counts it out, it stays out `outMs`, is mended (or restarted at 60 %), and the
 * camera holds at 80 % until the Streamer uses the node again, so it rejoins mid-series.
 */
async function nodeOutAndBack (ctx: ScenarioContext, tag: string, o: OutAndBack): ReturnType<Scenario['body']> {
  const { fc } = ctx
  const spec = seriesSpec(ctx.scale, tag)
  const n = spec.frames
  const victim = urlOf(fc, o.victim)
  const c = startAcquire(ctx, spec, tag, {}, { holds: [Math.floor(0.8 * n)] })
  await c.waitFor('30 % of the frames', (p) => p.frames >= 0.3 * n)
  o.cut(fc)
  const cutAt = Date.now()
  try {
    await c.waitFor(`node ${o.victim} out`, (p) => isOut(p, victim), 60_000)
    if (o.outMs > 0) await sleep(o.outMs)
  } finally {
    o.mend?.(fc)
  }
  if (o.restart) await c.waitFor('60 % of the frames', (p) => p.frames >= 0.6 * n)
  else ctx.notes.push(`node ${o.victim} out for ${((Date.now() - cutAt) / 1000).toFixed(1)} s (ack timeout 1 s)`)
  await backBeforeTheEnd(c, fc, [o.victim], o.restart)
  const r = await c.result<ClientResult>()
  ctx.expect(sawNode(r, victim, 'out') && sawNode(r, victim, 'up'), `the Streamer never reported node ${o.victim} down and back`)
  ctx.expect((r.stream?.rerouted ?? 0) + (r.stream?.retries ?? 0) > 0, 'nothing was re-routed or re-sent: the fault was not felt')
  const { lost, copies } = await finishAcquisitions(ctx, [{ spec, result: r }])
  return numbers(r, lost, copies)
}

const s1: Scenario = {
  id: 1,
  name: 'node killed (SIGKILL), restarted',
  body: (ctx) => nodeOutAndBack(ctx, 's1-kill', { victim: 1, cut: (fc) => { fc.signal(1, 'SIGKILL') }, outMs: 0, restart: true })
}

const s2: Scenario = {
  id: 2,
  name: 'node frozen (SIGSTOP) past the ack timeout',
  // Frozen past the 1 s ack timeout, and a second more while frames go elsewhere.
  body: (ctx) => nodeOutAndBack(ctx, 's2-stop', {
    victim: 2, cut: (fc) => { fc.signal(2, 'SIGSTOP') }, mend: (fc) => { fc.signal(2, 'SIGCONT') }, outMs: 1000, restart: false
  })
}

/** tmpfs size for scenario 3: node 0 fills after about a third of its share of the series. */
function smallDisk (frames: number): number {
  return Math.max(512 * 1024, Math.min(4 * 1024 * 1024, Math.floor(frames * 3800 / 9)))
}

const s3: Scenario = {
  id: 3,
  name: 'node disk full (small tmpfs root)',
  cluster: (scale) => ({ tmpfs: { index: 0, bytes: smallDisk(scale.frames) } }),
  body: async (ctx) => {
    const { fc } = ctx
    const spec = seriesSpec(ctx.scale, 's3-full')
    const full = urlOf(fc, 0)
    const c = startAcquire(ctx, spec, 's3')
    await c.waitFor('node 0 full', (p) => stateOf(p, full) === 'full', 120_000)
    const r = await c.result<ClientResult>()
    ctx.expect(r.nodeEvents.some(([, u, s]) => u === full && s === 'full'), 'node 0 never answered 507 (full)')
    const { lost, copies, disks } = await finishAcquisitions(ctx, [{ spec, result: r }])
    const d = disks[0]
    if (d !== undefined) ctx.notes.push(`node 0 (tmpfs ${mib(smallDisk(spec.frames))}) holds ${d.perNode[0]?.files ?? 0} files; nodes 1, 2: ${d.perNode[1]?.files ?? 0}, ${d.perNode[2]?.files ?? 0}`)
    return numbers(r, lost, copies)
  }
}

const s4: Scenario = {
  id: 4,
  name: 'node link down, then up',
  needsNetns: 'cutting a link needs network namespaces',
  body: (ctx) => nodeOutAndBack(ctx, 's4-link', {
    victim: 1, cut: (fc) => { fc.linkDown(1) }, mend: (fc) => { fc.linkUp(1) }, outMs: 1500, restart: false
  })
}

const s5: Scenario = {
  id: 5,
  name: "only reachable node gone, overflow 'spill'",
  body: async (ctx) => {
    const { fc } = ctx
    const spec = seriesSpec(ctx.scale, 's5-spill')
    const n = spec.frames
    const [u0, u1, u2] = [urlOf(fc, 0), urlOf(fc, 1), urlOf(fc, 2)]
    // A wide frame window so the journal, not the backend, absorbs the outage; the pixel window
    // (1 MiB) still bounds the frames waiting to be encoded.
    const c = startAcquire(ctx, spec, 's5', { overflow: 'spill', memoryBudget: 256 * 1024, maxPendingFrames: 1_000_000, spill: true }, { holds: [Math.floor(0.85 * n)] })
    await c.waitFor('20 % of the frames', (p) => p.frames >= 0.2 * n)
    fc.signal(1, 'SIGKILL')
    fc.signal(2, 'SIGKILL')
    await c.waitFor('nodes 1 and 2 out', (p) => isOut(p, u1) && isOut(p, u2), 60_000)
    await c.waitFor('35 % of the frames', (p) => p.frames >= 0.35 * n)
    fc.signal(0, 'SIGKILL')
    await c.waitFor(`${Math.floor(0.1 * n)} frames in the spill journal`, (p) => p.spilled >= 0.1 * n, 120_000)
    await fc.restart(0)
    await c.waitFor('node 0 back, journal replayed', (p) => stateOf(p, u0) === 'up' && p.spillPending === 0, 120_000)
    await backBeforeTheEnd(c, fc, [1, 2], true)
    const r = await c.result<ClientResult>()
    ctx.expect((r.stream?.spilled ?? 0) >= 0.1 * n, `only ${r.stream?.spilled ?? 0} files went through the spill journal`)
    ctx.expect(r.stream?.journal === null, `a spill journal was left behind: ${r.stream?.journal ?? ''}`)
    ctx.notes.push(`${r.stream?.spilled ?? 0} files spilled to the journal and replayed; at most ${r.peakPending} files waiting at once (memory: ~2 KiB of bookkeeping each)`)
    const { lost, copies } = await finishAcquisitions(ctx, [{ spec, result: r }])
    return numbers(r, lost, copies)
  }
}

const s6: Scenario = {
  id: 6,
  name: 'client killed mid-upload, next client retries',
  body: async (ctx) => {
    const { fc } = ctx
    const spec = seriesSpec(ctx.scale, 's6-client')
    const n = spec.frames
    const bigFile: BigFileSpec = {
      path: joinClusterPath(spec.series.slice(0, spec.series.lastIndexOf('/')), 's6-stack.bin'),
      bytes: 24 * 1024 * 1024,
      seed: spec.seed,
      server: urlOf(fc, 0),
      bytesPerSecond: 3 * 1024 * 1024,
      atFrame: Math.floor(0.2 * n)
    }
    const a = startAcquire(ctx, spec, 's6a', {}, { bigFile })
    await a.waitFor('the big upload started, half the frames', (p) => p.bigStarted && p.frames >= 0.5 * n, 120_000)
    // Kill only while the server holds the upload's temp file (the PUT is really in flight).
    const root0 = (fc.nodes[0] as { root: string }).root
    const inFlight = await poll(async () => (await tempFilesUnder(root0)).length > 0, 30_000)
    ctx.expect(inFlight, 'the big PUT never showed up on node 0 as an upload in progress')
    a.kill('SIGKILL')
    await a.exited()
    // The server notices the cut-off upload and removes its temp file; nothing partial is listed.
    const leftovers = async (): Promise<string[]> => (await Promise.all(fc.nodes.map((x) => tempFilesUnder(x.root)))).flat()
    const cleaned = await poll(async () => (await leftovers()).length === 0, 20_000)
    ctx.expect(cleaned, `a temp file of the cut-off upload stayed on disk: ${(await leftovers()).join(', ')}`)
    const midway = await inspectDisk(fc.nodes, spec)
    ctx.notes.push(`client A killed after ${a.progress?.frames ?? 0} frames; ${spec.frames - midway.lost.length} frame files on disk, big file absent`)
    const early = await verify(ctx, [], bigFile)
    ctx.expect(early.bigFile?.present === false, 'a partial big file is visible after the client died')

    const b = new ClientProcess(fc, 'resume-main.ts', { ...spec, servers: fc.urls, bigFile, ackTimeoutMs: 1000, out: resultPath(fc, 's6b') }, 's6b')
    const r = await b.result<ClientResult>()
    ctx.expect(r.bigFileSent === true, 'the resuming client did not have to send the big file again')
    const disk = await inspectDisk(fc.nodes, spec, r)
    const read = await verify(ctx, [spec], bigFile)
    checkSeries(ctx, spec, r, disk, read, { resumed: true })
    checkServing(ctx, read)
    ctx.expect(read.bigFile?.present === true && read.bigFile.matches, `the retried big file is not intact: ${JSON.stringify(read.bigFile)}`)
    ctx.notes.push(`client B re-sent ${r.framesAccepted} frames + the ${mib(bigFile.bytes)} file; ${r.alreadyPresent ?? 0} frames were already stored`)
    const lost = Math.max(disk.lost.length, read.series[0]?.missing.length ?? 0)
    return { ...numbers(r, lost, disk.identicalCopies), frames: spec.frames, discovery: 'static' }
  }
}

const s7: Scenario = {
  id: 7,
  name: 'two acquisitions at once, same nodes',
  body: async (ctx) => {
    const a = seriesSpec(ctx.scale, 's7-a')
    const b = seriesSpec(ctx.scale, 's7-b')
    const ca = startAcquire(ctx, a, 's7a')
    const cb = startAcquire(ctx, b, 's7b')
    const [ra, rb] = await Promise.all([ca.result<ClientResult>(), cb.result<ClientResult>()])
    const { lost, copies } = await finishAcquisitions(ctx, [{ spec: a, result: ra }, { spec: b, result: rb }])
    const na = numbers(ra, 0, 0)
    return {
      ...na,
      frames: ra.framesAccepted + rb.framesAccepted,
      lost,
      copies,
      rerouted: na.rerouted + (rb.stream?.rerouted ?? 0),
      retries: na.retries + (rb.stream?.retries ?? 0),
      maxRss: Math.max(ra.maxRss, rb.maxRss),
      warmRss: Math.max(ra.warmRss, rb.warmRss),
      liveGrowth: Math.max(ra.maxLive - ra.warmLive, rb.maxLive - rb.warmLive),
      peakBuffered: Math.max(ra.peakBufferedBytes, rb.peakBufferedBytes),
      discovery: ra.discovery === rb.discovery ? ra.discovery : `${ra.discovery} / ${rb.discovery}`
    }
  }
}

/** Polls `test` every 50 ms until it holds or `ms` passed. */
async function poll (test: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  for (;;) {
    if (await test()) return true
    if (Date.now() > end) return false
    await sleep(50)
  }
}

/** Every scenario, in table order. */
export const scenarios: readonly Scenario[] = [s1, s2, s3, s4, s5, s6, s7]

/** The scenarios of the fast subset (`npm test`). */
export const fastScenarios: readonly Scenario[] = [s1, s5, s6]
