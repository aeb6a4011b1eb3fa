/**
 * The fast subset of the fault suite for `npm test` (test/faults/run.ts runs all seven with
 * 10,000 frames): the same scenario code, real server processes, real namespaces where the
 * machine allows them, fewer frames. One scenario per test file, so tap runs them in
 * parallel and each has its own time budget.
 */
import type { Test } from 'tap'
import { formatOutcomes } from './outcome-table.js'
import { runScenario, type Scenario } from './scenario-run.js'

/** Frames per series in the fast subset. */
export const FAST_FRAMES = 1500

/** Runs `s` with the fast scale and asserts that every check of the suite passed. */
export async function fastScenario (t: Test, s: Scenario): Promise<void> {
  const o = await runScenario(s, { frames: FAST_FRAMES, fps: 1000, liveSlack: 16 * 1024 * 1024 })
  t.comment(formatOutcomes([o]))
  t.equal(o.skipped, undefined, 'runs here (on loopback where namespaces are refused)')
  t.same(o.failures, [], `scenario ${s.id} (${s.name}): every check passed`)
  t.equal(o.lost, 0, 'no frame lost')
  t.equal(o.frames, FAST_FRAMES, 'every frame given')
  t.ok(o.peakBuffered <= o.budget, 'buffered bytes within the budget')
}
