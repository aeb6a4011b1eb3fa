/**
 * `npm run bench:soak`: the load half of issue 7. Not a test and never run in CI.
 *
 * 1. 2048x2048 uint16 frames offered at 100 fps (PYME's default lossless Huffman) for
 *    `--minutes`, through `ClusterBackend` to `--nodes` data servers in child processes;
 * 2. 512x512 frames at the highest rate the machine holds (no pacing) for `--small-minutes`;
 * 3. one `--long-frames` (100,000) frame series: write, listing, completeness, read-back.
 *
 * Per minute: frames and MB/s acknowledged, acknowledge latency p50/p99/max, RSS, heap,
 * active handles and open descriptors, so a leak or a slowdown shows as a trend. Roots are
 * tmpfs mounts of `--root-mib` each; each series (`--series-frames`) is finalized, checked
 * complete and deleted from the roots before the next starts. Baselines from the same run:
 * encode-only rate on the same pool; fs.readdir / fs.readFile for the long series.
 *
 *   npm run bench:soak -- [--minutes 10] [--small-minutes 2] [--long-frames 100000] [--nodes 3]
 */
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { PzfEncoderPool } from '../../lib/pzf/pzf-encoder-pool.js'
import { runBigSeries } from './big-series.js'
import { formatRow, MINUTE_HEAD, type MinuteRow } from './minute-window.js'
import { runPhase, type PhaseResult } from './soak-phase.js'
import { SoakServers } from './soak-servers.js'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'small-minutes': { type: 'string', default: '2' },
    'long-frames': { type: 'string', default: '100000' },
    nodes: { type: 'string', default: '3' },
    'series-frames': { type: 'string', default: '300' },
    'root-mib': { type: 'string', default: '1536' }
  }
})
const minutes = Number(values.minutes)
const smallMinutes = Number(values['small-minutes'])
const longFrames = Number(values['long-frames'])
const nodes = Number(values.nodes)
const seriesFrames = Number(values['series-frames'])
if (![minutes, smallMinutes, longFrames, nodes, seriesFrames].every((v) => Number.isFinite(v) && v >= 0) || nodes < 1 || seriesFrames < 1) {
  process.stderr.write('usage: soak.bench.ts [--minutes N] [--small-minutes N] [--long-frames N] [--nodes N] [--series-frames N] [--root-mib N]\n')
  process.exit(2)
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130))

const out = (s: string): void => { process.stdout.write(s + '\n') }
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ')

const servers = await SoakServers.start(nodes, Number(values['root-mib']) * 1024 * 1024)
const pool = new PzfEncoderPool()
out(`soak: ${nodes} data servers (child processes, ${servers.storage}), ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), encoder pool of ${pool.size}, load ${load()}`)
out(`series of ${seriesFrames} frames, each finalized, checked complete (SeriesReader) and deleted from the roots before the next`)
out('')
out(MINUTE_HEAD)
out('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
const printRow = (r: MinuteRow): void => { out(formatRow(r)) }

function trend (label: string, r: PhaseResult, target: number): void {
  const full = r.rows.filter((x) => !x.minute.includes(' s'))
  const first = full[0]
  const last = full[full.length - 1]
  out(`${label}: ${r.frames} frames in ${r.series} series, ${r.fps.toFixed(1)} fps${target > 0 ? ` of ${target} offered` : ''}; ` +
    `encode-only baseline on the same pool ${r.encodeFps.toFixed(1)} fps (ratio ${(r.fps / r.encodeFps).toFixed(2)}); ` +
    `between series (finalize, check, rotate) ${(r.betweenSeriesMs / 1000).toFixed(1)} s in total; incomplete series: ${r.incomplete.length === 0 ? 'none' : r.incomplete.join('; ')}`)
  if (first !== undefined && last !== undefined && first !== last) {
    out(`  trend minute ${first.minute} → ${last.minute}: fps ×${(last.fps / first.fps).toFixed(2)}, ack p99 ${first.p99.toFixed(0)} → ${last.p99.toFixed(0)} ms, ` +
      `RSS ${first.rssMiB.toFixed(0)} → ${last.rssMiB.toFixed(0)} MiB, live heap ${first.heapMiB.toFixed(1)} → ${last.heapMiB.toFixed(1)} MiB, handles ${first.handles} → ${last.handles}, fds ${first.fds} → ${last.fds}`)
  }
}

try {
  const summaries: Array<() => void> = []
  if (minutes > 0) {
    const big = await runPhase({ label: '2048x2048@100', width: 2048, height: 2048, fps: 100, seconds: minutes * 60, framesPerSeries: seriesFrames, servers, pool, onRow: printRow })
    summaries.push(() => { trend('2048x2048 at 100 fps offered', big, 100) })
  }
  if (smallMinutes > 0) {
    const small = await runPhase({ label: '512x512@max', width: 512, height: 512, fps: 0, seconds: smallMinutes * 60, framesPerSeries: seriesFrames * 16, servers, pool, onRow: printRow })
    summaries.push(() => { trend('512x512 at the highest rate held', small, 0) })
  }
  out('')
  for (const s of summaries) s()
  if (longFrames > 0) {
    const r = await runBigSeries(servers, pool, longFrames)
    out('')
    out(`long series, ${r.frames} frames of 64x64 through ClusterBackend over ${nodes} servers: written in ${(r.writeMs / 1000).toFixed(1)} s (${(r.frames / (r.writeMs / 1000)).toFixed(0)} frames/s)`)
    out(`  union listing (fresh) of ${r.listed} names: ${r.listMs.toFixed(0)} ms; fs.readdir of the ${nodes} roots: ${r.listBaselineMs.toFixed(0)} ms (ratio ${(r.listMs / r.listBaselineMs).toFixed(1)})`)
    out(`  completeness check (SeriesReader.open: events.json, listing, FramesStored): ${r.completeMs.toFixed(0)} ms, complete: ${String(r.complete)}`)
    out(`  read-back of every frame, decoded and compared bit for bit: ${(r.readMs / 1000).toFixed(1)} s (${(r.frames / (r.readMs / 1000)).toFixed(0)} frames/s); ` +
      `fs.readFile of the same files: ${(r.readBaselineMs / 1000).toFixed(1)} s (ratio ${(r.readMs / r.readBaselineMs).toFixed(1)}); differing ${r.differing}, missing ${r.missing}`)
  }
  out(`load average at the end: ${load()}`)
} finally {
  await pool.close()
  await servers.close()
}
