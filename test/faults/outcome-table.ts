/**
 * The suite's table: one row per scenario (scenario, frames, lost, re-routed, retries,
 * identical copies, max memory, time, discovery), as aligned text and as Markdown for the
 * README, followed by the failed checks and the notes of each scenario.
 */
import type { ScenarioOutcome } from './scenario-run.js'

const HEAD = ['#', 'scenario', 'frames', 'lost', 're-routed', 'retries', 'copies', 'memory: peak buffered / budget; live growth after GC; client RSS max (warm)', 'time', 'discovery', 'result']

function mib (b: number): string {
  return b >= 1048576 ? `${(b / 1048576).toFixed(1)} MiB` : `${Math.round(b / 1024)} KiB`
}

function row (o: ScenarioOutcome): string[] {
  if (o.skipped !== undefined) return [String(o.id), o.name, '-', '-', '-', '-', '-', '-', '-', '-', `skipped: ${o.skipped}`]
  return [
    String(o.id),
    o.name,
    o.frames.toLocaleString('en-US'),
    String(o.lost),
    String(o.rerouted),
    String(o.retries),
    String(o.copies),
    `${mib(o.peakBuffered)} / ${mib(o.budget)}; +${mib(Math.max(0, o.liveGrowth))}; ${mib(o.maxRss)} (${mib(o.warmRss)})`,
    `${(o.timeMs / 1000).toFixed(1)} s`,
    o.discovery,
    o.failures.length === 0 ? 'pass' : `FAIL (${o.failures.length})`
  ]
}

/** Aligned text table plus failures and notes. */
export function formatOutcomes (outcomes: readonly ScenarioOutcome[]): string {
  const rows = [HEAD, ...outcomes.map(row)]
  const widths = HEAD.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)))
  const line = (r: readonly string[]): string => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()
  const out = [line(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...outcomes.map((o) => line(row(o)))]
  for (const o of outcomes) {
    for (const n of o.notes) out.push(`  ${o.id}. ${n}`)
    for (const f of o.failures) out.push(`  ${o.id}. FAILED: ${f}`)
  }
  return out.join('\n')
}

/** The same table in Markdown. */
export function markdownOutcomes (outcomes: readonly ScenarioOutcome[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|')
  return [
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map(() => '---').join('|')}|`,
    ...outcomes.map((o) => `| ${row(o).map(esc).join(' | ')} |`)
  ].join('\n')
}
