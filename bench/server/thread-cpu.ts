/**
 * CPU time of a process, split by thread, read from /proc (Linux): `utime + stime` of each
 * `/proc/<pid>/task/<tid>/stat`. `process.cpuUsage()` is process-wide; this tells the main
 * thread (the event loop; its tid is the pid) from the others. Node 20 names every thread
 * "node", so the others are told apart by when they started: threads present at a baseline
 * sample (V8's platform helpers, libuv's pool once used) against threads started after it
 * (worker_threads, e.g. an encoder pool).
 *
 * Threads that ended between two samples lose their time here, but `total` is read from
 * /proc/<pid>/stat, which keeps the time of ended threads, so it stays exact.
 */
import { readFileSync, readdirSync } from 'node:fs'

/** Clock ticks per second of /proc's stat times (USER_HZ: 100 on every Linux ABI). */
const TICK_MS = 10

/** CPU milliseconds of one process: total, main thread, and per thread id. */
export interface ThreadCpu {
  readonly total: number
  readonly main: number
  readonly byThread: ReadonlyMap<number, number>
}

// The fields after the command name (which may hold spaces and parentheses): utime is the 12th.
function ms (stat: string): number {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * TICK_MS
}

/** Samples the CPU time of `pid` (this process when omitted), by thread. */
export function threadCpu (pid = process.pid): ThreadCpu {
  const total = ms(readFileSync(`/proc/${pid}/stat`, 'latin1'))
  const byThread = new Map<number, number>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      byThread.set(Number(tid), ms(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1')))
    } catch {
      // ended meanwhile
    }
  }
  return { total, main: byThread.get(pid) ?? 0, byThread }
}

/** CPU milliseconds between two samples: total, main thread, the others present at `before`, and threads started since. */
export interface CpuSpent {
  readonly total: number
  readonly main: number
  /** Threads other than the main one that existed at `before` (V8 helpers, libuv's pool). */
  readonly helpers: number
  /** Threads started after `before` (worker threads, a late libuv pool), ended ones included. */
  readonly started: number
}

/** The CPU time spent between `before` and `after` of the process `pid`. */
export function cpuSince (before: ThreadCpu, after: ThreadCpu, pid = process.pid): CpuSpent {
  let helpers = 0
  for (const [tid, t] of after.byThread) {
    const was = before.byThread.get(tid)
    if (tid !== pid && was !== undefined) helpers += t - was
  }
  const total = after.total - before.total
  const main = after.main - before.main
  // The process total keeps the time of threads that ended (a closed worker pool) too.
  return { total, main, helpers, started: Math.max(0, total - main - helpers) }
}
