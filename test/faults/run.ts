/**
 * `npm run test:faults`: the fault and load suite (issue 7). Runs every scenario of
 * `scenarios.ts` on its own 3-node cluster (network namespaces, or loopback where the
 * machine refuses them), prints one table and exits non-zero if any check failed.
 *
 *   npm run test:faults -- [--frames 10000] [--fps 1000] [--only 1,5] [--loopback] [--markdown]
 */
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { formatOutcomes, markdownOutcomes } from './outcome-table.js'
import { runScenario, type ScenarioOutcome } from './scenario-run.js'
import { scenarios } from './scenarios.js'
import { netnsUnavailableReason } from '../helpers/netns-rig.js'

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '10000' },
    fps: { type: 'string', default: '1000' },
    only: { type: 'string' },
    loopback: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false }
  }
})
const frames = Number(values.frames)
const fps = Number(values.fps)
if (!Number.isSafeInteger(frames) || frames < 100 || !(fps >= 0)) {
  process.stderr.write('usage: run.ts [--frames N>=100] [--fps F] [--only 1,2] [--loopback] [--markdown]\n')
  process.exit(2)
}
const only = values.only === undefined ? null : new Set(values.only.split(',').map(Number))
const chosen = scenarios.filter((s) => only === null || only.has(s.id))

// Ctrl-C or a kill: exit through 'exit' so every cluster's exit hook removes its namespaces.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130))

const reason = values.loopback ? 'asked for with --loopback' : netnsUnavailableReason()
process.stdout.write(reason === undefined
  ? `fault suite: ${chosen.length} scenario(s), ${frames} frames of 64x64 uint16 at up to ${fps} fps, 3 nodes in network namespaces\n`
  : `fault suite: network namespaces not used (${reason}); the same scenarios on loopback ports\n`)
process.stdout.write('tc netem is not available in this kernel: faults are kills, SIGSTOP, a full tmpfs and link down/up\n')
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ')
process.stdout.write(`load average at the start: ${load()}\n`)

const outcomes: ScenarioOutcome[] = []
for (const s of chosen) {
  process.stdout.write(`  ${s.id}. ${s.name} ...`)
  const o = await runScenario(s, { frames, fps, liveSlack: 16 * 1024 * 1024, ...(values.loopback ? { loopback: true } : {}) })
  outcomes.push(o)
  process.stdout.write(o.skipped !== undefined ? ' skipped\n' : o.failures.length === 0 ? ` pass (${(o.timeMs / 1000).toFixed(1)} s)\n` : ' FAIL\n')
}
process.stdout.write('\n' + formatOutcomes(outcomes) + '\n')
if (values.markdown) process.stdout.write('\n' + markdownOutcomes(outcomes) + '\n')
const failed = outcomes.filter((o) => o.failures.length > 0)
process.stdout.write(`load average at the end: ${load()}\n`)
process.stdout.write(`\n${outcomes.length - failed.length - outcomes.filter((o) => o.skipped !== undefined).length} passed, ${failed.length} failed\n`)
process.exitCode = failed.length > 0 ? 1 : 0
