/**
 * The demo's cluster of local data servers: `nodes` servers on loopback, each with its own
 * root under one temporary directory, run in this process or each in a child process
 * (`demo-server.ts`). Not advertised: the demo hands their URLs to the backend.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { ServerError } from '../errors.js'
import { startDataServer, type DataServer } from '../server/index.js'

/** Where the demo's servers run. */
export type DemoServerMode = 'process' | 'in-process'

/** Running local servers. */
export interface DemoCluster {
  readonly servers: readonly string[]
  readonly roots: readonly string[]
  readonly mode: DemoServerMode
  /** Stops every server (uploads in flight finish). */
  close (): Promise<void>
}

// `.ts` under the test/bench loader, `.js` in dist (as PzfEncoderPool picks its worker).
const entry = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './demo-server.ts' : './demo-server.js', import.meta.url))

function exited (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

async function startChild (root: string): Promise<{ url: string, child: ChildProcess }> {
  const child = spawn(process.execPath, [...process.execArgv, entry, root], {
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-2000) })
  const lines = createInterface({ input: child.stdout! })
  try {
    const url = await new Promise<string>((resolve, reject) => {
      lines.once('line', (line) => {
        try {
          resolve((JSON.parse(line) as { url: string }).url)
        } catch (err) {
          reject(new ServerError(`demo server said '${line}'`, { cause: err }))
        }
      })
      child.once('exit', (code, signal) => reject(new ServerError(`demo server exited (${code ?? signal}) before it was ready: ${stderr.trim()}`)))
      child.once('error', (err) => reject(new ServerError(`cannot start a demo server: ${err.message}`, { cause: err })))
    })
    child.stdout?.resume()
    return { url, child }
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  } finally {
    lines.close()
  }
}

/** Starts `nodes` servers with roots `<root>/node<i>`. */
export async function startDemoCluster (nodes: number, mode: DemoServerMode, root: string): Promise<DemoCluster> {
  const roots = Array.from({ length: nodes }, (_, i) => join(root, `node${i}`))
  await Promise.all(roots.map(async (r) => await mkdir(r, { recursive: true })))
  const servers: string[] = []
  const closers: Array<() => Promise<void>> = []
  const close = async (): Promise<void> => { await Promise.all(closers.map(async (c) => await c())) }
  try {
    for (const r of roots) {
      if (mode === 'in-process') {
        const server: DataServer = await startDataServer({ root: r, port: 0, host: '127.0.0.1', advertise: 'none' })
        servers.push(server.url)
        closers.push(async () => await server.close())
      } else {
        const { url, child } = await startChild(r)
        servers.push(url)
        closers.push(async () => {
          child.kill('SIGTERM')
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
          await exited(child)
          clearTimeout(timer)
        })
      }
    }
  } catch (err) {
    await close()
    throw err
  }
  return { servers, roots, mode, close }
}
