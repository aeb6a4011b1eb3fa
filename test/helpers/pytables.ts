/**
 * PyTables, the reference reader of our HDF5 files: which Python has it, and running a
 * script with it. Debian's python3-tables installs for /usr/bin/python3, which may not be
 * the first python3 on PATH (pyenv); both are tried.
 */
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'

let found: { python?: string, reason?: string } | undefined

/** The Python that imports tables and numpy, or undefined. */
export function pytablesPython (): string | undefined {
  if (found === undefined) {
    found = { reason: 'PyTables (Debian: python3-tables, python3-numpy) is not installed, so no reference reader can check the HDF5 files' }
    for (const python of ['python3', '/usr/bin/python3']) {
      try {
        execFileSync(python, ['-c', 'import tables, numpy'], { stdio: 'ignore' })
        found = { python }
        break
      } catch { /* next */ }
    }
  }
  return found.python
}

/** A tap `skip` value: false when PyTables is there, else the reason. */
export function skipWithoutPyTables (): string | false {
  pytablesPython()
  return found?.python === undefined ? found?.reason ?? 'no PyTables' : false
}

/** Runs `script` with the PyTables Python; resolves to its parsed JSON output. */
export async function runPyTables (script: string, args: readonly string[]): Promise<any> {
  const python = pytablesPython()
  if (python === undefined) throw new Error('PyTables is not installed')
  const { stdout } = await promisify(execFile)(python, [script, ...args], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 })
  return JSON.parse(stdout)
}
