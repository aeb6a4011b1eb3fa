/**
 * One scenario run, start to end: a fresh `FaultCluster`, the acquiring client(s), the
 * scenario's faults acted out against their progress, then the checks every scenario shares
 * (issue 7): zero frames lost, no name with two contents, the report equal to the disks,
 * memory within the budget, every frame read back bit for bit with the completion marker,
 * and every live node still serving. The outcome is one row of the suite's table plus the
 * list of failed checks (empty = passed).
 */
import { performance } from 'node:perf_hooks'
import type { BigFileSpec, ClientResult, SeriesSpec, VerifyResult } from './fault-config.js'
import { FaultCluster, type FaultClusterOptions } from './fault-cluster.js'
import { ClientProcess, resultPath } from './client-process.js'
import { inspectDisk, type DiskCheck } from './disk-check.js'

/** How big and how fast (the full suite vs the fast subset in `npm test`). */
export interface ScenarioScale {
  /** Frames per series (the suite: 10,000). */
  readonly frames: number
  /** Camera pace, frames per second. */
  readonly fps: number
  /**
   * Growth of the client's live memory (after GC) beyond its warm value plus the memory
   * budget that counts as unbounded, bytes.
   */
  readonly liveSlack: number
  /** Force loopback (tests of the fallback). */
  readonly loopback?: boolean
}

/** A row of the table. */
export interface ScenarioOutcome {
  readonly id: number
  readonly name: string
  readonly frames: number
  readonly lost: number
  readonly rerouted: number
  readonly retries: number
  /** Identical copies of one file on two nodes (stored, then re-sent after a lost answer). */
  readonly copies: number
  readonly maxRss: number
  readonly warmRss: number
  /** Growth of live memory (after GC) from warm to its largest sample. */
  readonly liveGrowth: number
  readonly peakBuffered: number
  readonly budget: number
  readonly timeMs: number
  readonly discovery: string
  readonly where: string
  readonly failures: string[]
  readonly notes: string[]
  /** Not run here, and why. */
  readonly skipped?: string
}

/** Settings of the acquiring client a scenario may change. */
export interface AcquireTuning {
  readonly memoryBudget?: number
  readonly overflow?: 'block' | 'spill'
  readonly maxPendingFrames?: number
  readonly ackTimeoutMs?: number
  readonly spill?: boolean
}

/** What a scenario body gets: the cluster, the started client(s), and the checks to extend. */
export interface ScenarioContext {
  readonly fc: FaultCluster
  readonly scale: ScenarioScale
  readonly notes: string[]
  readonly failures: string[]
  /** Fails the scenario with `message` unless `ok`. */
  expect (ok: boolean, message: string): void
}

let seq = 0

/** A series of this run (unique name, its own seed and id). */
export function seriesSpec (scale: ScenarioScale, tag: string): SeriesSpec {
  seq++
  return {
    series: `faults/run${process.pid}/${tag}.pcs`,
    frames: scale.frames,
    width: 64,
    height: 64,
    seed: 1000 + seq,
    sequenceId: 7_000_000 + process.pid * 100 + seq
  }
}

/** Starts an acquiring client for `spec` on `fc`. */
export function startAcquire (ctx: ScenarioContext, spec: SeriesSpec, name: string, tuning: AcquireTuning = {}, extra: { holds?: number[], bigFile?: BigFileSpec } = {}): ClientProcess {
  const { fc, scale } = ctx
  const iface = fc.clientInterface
  return new ClientProcess(fc, 'acquire-main.ts', {
    ...spec,
    servers: fc.urls,
    ...(fc.advertises && iface !== undefined ? { mdns: { cluster: clusterName(), interface: iface, timeoutMs: 8000 } } : {}),
    fps: scale.fps,
    memoryBudget: tuning.memoryBudget ?? 8 * 1024 * 1024,
    overflow: tuning.overflow ?? 'block',
    ...(tuning.spill === true ? { spillDir: fc.tempDir(`spill-${name}`) } : {}),
    ackTimeoutMs: tuning.ackTimeoutMs ?? 1000,
    backoffMaxMs: 500,
    maxPendingFrames: tuning.maxPendingFrames ?? 64,
    maxPendingBytes: 1024 * 1024,
    holds: extra.holds ?? [],
    progressMs: 100,
    ...(extra.bigFile === undefined ? {} : { bigFile: extra.bigFile }),
    out: resultPath(fc, name)
  }, name)
}

/** The cluster name the servers of this run advertise. */
export function clusterName (): string {
  return `faults${process.pid}`
}

/** Reads series back and asks every node for status and a listing (client side). */
export async function verify (ctx: ScenarioContext, specs: readonly SeriesSpec[], bigFile?: BigFileSpec): Promise<VerifyResult> {
  const name = `verify-${++seq}`
  const v = new ClientProcess(ctx.fc, 'verify-main.ts', {
    servers: ctx.fc.urls, series: specs, concurrency: 16, ...(bigFile === undefined ? {} : { bigFile }), out: resultPath(ctx.fc, name)
  }, name)
  return await v.result<VerifyResult>()
}

/** The shared checks of one series: client result, disk, read-back. */
export function checkSeries (ctx: ScenarioContext, spec: SeriesSpec, client: ClientResult, disk: DiskCheck, read: VerifyResult, opts: { resumed?: boolean } = {}): void {
  const { expect } = ctx
  const tag = spec.series.split('/').pop() ?? spec.series
  if (opts.resumed !== true) {
    expect(client.failed.length === 0, `${tag}: finalize() names ${client.failed.length} failed file(s): ${client.failed.slice(0, 3).map((f) => `${f.name} ${f.error.code}`).join(', ')}`)
    expect(client.framesStored === spec.frames, `${tag}: ${client.framesStored} of ${spec.frames} frames reported stored`)
  } else {
    expect(client.failed.length === 0, `${tag}: the resuming client failed ${client.failed.length} file(s): ${client.failed.slice(0, 3).map((f) => `${f.name} ${f.error.code}`).join(', ')}`)
  }
  expect(client.complete, `${tag}: no completion marker written`)
  expect(client.peakBufferedBytes <= client.memoryBudget, `${tag}: peak buffered ${client.peakBufferedBytes} B above the budget ${client.memoryBudget} B`)
  // What may be held: the Streamer's budget, the pixel window, 2 KiB of bookkeeping per
  // file waiting (queued, parked or in the journal; ~1.5 KB measured), and a slack.
  const bookkeeping = 2048 * client.peakPending
  const liveBound = client.warmLive + client.memoryBudget + client.pixelWindow + bookkeeping + ctx.scale.liveSlack
  expect(client.maxLive <= liveBound, `${tag}: live memory reached ${mib(client.maxLive)}, more than warm ${mib(client.warmLive)} + budget ${mib(client.memoryBudget)} + pixel window ${mib(client.pixelWindow)} + ${mib(bookkeeping)} for ${client.peakPending} waiting files + ${mib(ctx.scale.liveSlack)}`)
  expect(disk.lost.length === 0, `${tag}: ${disk.lost.length} frame(s) on no node: ${disk.lost.slice(0, 10).join(', ')}`)
  expect(disk.conflicting.length === 0, `${tag}: same name, different bytes on two nodes: ${disk.conflicting.slice(0, 5).join(', ')}`)
  expect(disk.mismatches.length === 0, `${tag}: report and disk disagree: ${disk.mismatches.slice(0, 5).join('; ')}`)
  const r = read.series.find((s) => s.series === spec.series)
  if (r === undefined) {
    expect(false, `${tag}: not read back`)
    return
  }
  expect(r.complete, `${tag}: SeriesReader does not see a complete series`)
  expect(r.frameCount === spec.frames, `${tag}: SeriesReader counts ${r.frameCount} frames, not ${spec.frames}`)
  expect(r.missing.length === 0, `${tag}: ${r.missing.length} frame(s) missing on read-back: ${r.missing.slice(0, 10).join(', ')}`)
  expect(r.differing.length === 0, `${tag}: ${r.differing.length} frame(s) differ from the camera's: ${r.differing.slice(0, 10).join(', ')}`)
  expect(r.unreadable.length === 0, `${tag}: ${r.unreadable.length} frame(s) unreadable: ${r.unreadable.slice(0, 3).map((u) => `${u.index} ${u.error.code}`).join(', ')}`)
  expect(r.events >= 1, `${tag}: events.json has no events`)
}

/** Every node answered its status and a listing. */
export function checkServing (ctx: ScenarioContext, read: VerifyResult): void {
  for (const [url, s] of Object.entries(read.serving)) {
    ctx.expect(s.status === 200 && (s.listing === 200 || s.listing === 404), `${url} stopped serving: status ${s.status}, listing ${s.listing} ${s.error ?? ''}`)
  }
}

export function mib (bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`
}

/** The body of a scenario: acts the faults out and runs its checks; returns the table numbers. */
export type ScenarioBody = (ctx: ScenarioContext) => Promise<{
  frames: number
  lost: number
  rerouted: number
  retries: number
  copies: number
  maxRss: number
  warmRss: number
  liveGrowth: number
  peakBuffered: number
  budget: number
  discovery: string
}>

/** A scenario of the suite. */
export interface Scenario {
  readonly id: number
  readonly name: string
  /** Options of its cluster beyond the defaults. */
  readonly cluster?: (scale: ScenarioScale) => Partial<FaultClusterOptions>
  /** Runs only with namespaces (the reason when it cannot run on loopback). */
  readonly needsNetns?: string
  readonly body: ScenarioBody
}

/** Runs one scenario on a fresh cluster; never throws (a crash is a failure in the outcome). */
export async function runScenario (s: Scenario, scale: ScenarioScale): Promise<ScenarioOutcome> {
  const t0 = performance.now()
  const failures: string[] = []
  const notes: string[] = []
  const blank = { frames: 0, lost: 0, rerouted: 0, retries: 0, copies: 0, maxRss: 0, warmRss: 0, liveGrowth: 0, peakBuffered: 0, budget: 0, discovery: '-' }
  let fc: FaultCluster | null = null
  try {
    fc = await FaultCluster.start({ subnet: 100 + s.id, cluster: clusterName(), ...(scale.loopback === true ? { loopback: true } : {}), ...s.cluster?.(scale) })
    const started = performance.now()
    if (fc.mode === 'loopback' && s.needsNetns !== undefined) {
      return { id: s.id, name: s.name, ...blank, timeMs: 0, where: fc.where, failures, notes, skipped: `${s.needsNetns} (${fc.reason ?? ''})` }
    }
    if (fc.mode === 'loopback') notes.push(`loopback: ${fc.reason ?? ''}`)
    const ctx: ScenarioContext = {
      fc,
      scale,
      notes,
      failures,
      expect (ok, message) { if (!ok) failures.push(message) }
    }
    const numbers = await s.body(ctx)
    notes.push(`timing: cluster up ${((started - t0) / 1000).toFixed(1)} s, scenario and checks ${((performance.now() - started) / 1000).toFixed(1)} s`)
    return { id: s.id, name: s.name, ...numbers, timeMs: performance.now() - t0, where: fc.where, failures, notes }
  } catch (err) {
    failures.push(`crashed: ${(err as Error).stack ?? String(err)}`)
    return { id: s.id, name: s.name, ...blank, timeMs: performance.now() - t0, where: fc?.where ?? '-', failures, notes }
  } finally {
    await fc?.destroy()
  }
}

/** Disk check + read-back + shared checks for acquisitions that ran to the end. */
export async function finishAcquisitions (ctx: ScenarioContext, runs: ReadonlyArray<{ spec: SeriesSpec, result: ClientResult }>): Promise<{ lost: number, copies: number, disks: DiskCheck[] }> {
  const t0 = performance.now()
  const read = await verify(ctx, runs.map((r) => r.spec))
  ctx.notes.push(`read-back of ${runs.length * (runs[0]?.spec.frames ?? 0)} frames and serving check: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  let lost = 0
  let copies = 0
  const disks: DiskCheck[] = []
  for (const { spec, result } of runs) {
    const disk = await inspectDisk(ctx.fc.nodes, spec, result)
    disks.push(disk)
    checkSeries(ctx, spec, result, disk, read)
    // Hidden (never listed or served), but disk a killed server cannot clean up itself.
    if (disk.tempFiles.length > 0) ctx.notes.push(`${disk.tempFiles.length} hidden upload temp file(s) left on disk (by a killed server)`)
    lost += Math.max(disk.lost.length, read.series.find((s) => s.series === spec.series)?.missing.length ?? 0)
    copies += disk.identicalCopies
  }
  checkServing(ctx, read)
  return { lost, copies, disks }
}
