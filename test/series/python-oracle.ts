/**
 * Test helper: runs a Python snippet (python3 on this machine, without PYME) to produce the
 * expected output of `json.dumps` and `repr`. Tests skip with a reason when python3 is missing.
 */
import { spawnSync } from 'node:child_process'

const probe = spawnSync('python3', ['-c', 'import json'], { encoding: 'utf8' })

/** Why Python-derived expectations cannot be made here, or `false` when python3 works. */
export const pythonMissing: string | false = probe.status === 0 ? false : 'python3 is not available on this machine'

/** Runs `script` with `input` on stdin and returns stdout; throws with stderr on failure. */
export function runPython (script: string, input: string): string {
  const r = spawnSync('python3', ['-c', script], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`)
  return r.stdout
}

/** A small deterministic PRNG (mulberry32) for generated test values. */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
