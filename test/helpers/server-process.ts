/**
 * A data server in a separate Node process (test/helpers/server-main.ts through the TS
 * loader), for tests that SIGKILL, SIGSTOP or restart it. Optionally inside a network
 * namespace (`ip netns exec <ns> node ...`). The handle:
 *
 *   { url, port, pid, root, instanceName, kill(signal), stop(), restart() }
 *
 * `restart()` starts a new process on the same port and root. `TMPDIR` of the child is
 * pointed at a temp directory so a `local` advertisement never touches the real registry.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('./server-main.ts', import.meta.url))
const REPO = fileURLToPath(new URL('../..', import.meta.url))

export interface ServerProcessOptions {
  /** Data root. @default a fresh temp dir, removed by `stop()` */
  readonly root?: string
  /** @default 0 */
  readonly port?: number
  readonly host?: string
  readonly cluster?: string
  /** @default 'none' */
  readonly advertise?: 'none' | 'local' | 'mdns'
  readonly interface?: string
  readonly advertiseAddress?: string
  readonly registryPath?: string
  readonly testDelayMs?: number
  /** Run inside this network namespace (`ip netns exec`). */
  readonly netns?: string
  /** Modules the child loads first (`node --import`), e.g. hold-mdns-port.ts. */
  readonly preload?: readonly string[]
  /** Extra environment for the child. */
  readonly env?: NodeJS.ProcessEnv
  /** How long to wait for the server to come up, ms. @default 20000 */
  readonly startTimeoutMs?: number
}

export interface ServerProcess {
  readonly url: string
  readonly port: number
  readonly pid: number
  readonly root: string
  readonly instanceName: string
  readonly advertisedAddress: string
  /** The child process (for exit events). */
  readonly child: ChildProcess
  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT, SIGTERM...). */
  kill (signal?: NodeJS.Signals): void
  /** SIGTERM (SIGCONT first, in case it is stopped), waits for exit, removes a temp root. */
  stop (): Promise<void>
  /** Kills (if running) and starts a new server on the same port and root. */
  restart (): Promise<ServerProcess>
}

interface Ready { url: string, port: number, pid: number, root: string, instanceName: string, advertisedAddress: string }

function argsFor (o: ServerProcessOptions, root: string, port: number): string[] {
  const a = ['--root', root, '--port', String(port), '--advertise', o.advertise ?? 'none']
  if (o.host !== undefined) a.push('--host', o.host)
  if (o.cluster !== undefined) a.push('--cluster', o.cluster)
  if (o.interface !== undefined) a.push('--interface', o.interface)
  if (o.advertiseAddress !== undefined) a.push('--advertise-address', o.advertiseAddress)
  if (o.registryPath !== undefined) a.push('--registry', o.registryPath)
  if (o.testDelayMs !== undefined) a.push('--test-delay-ms', String(o.testDelayMs))
  return a
}

function exited (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

async function launch (o: ServerProcessOptions, root: string, port: number, tmp: string, ownsRoot: boolean): Promise<ServerProcess> {
  const preload = (o.preload ?? []).map((m) => `--import=${m}`)
  const nodeArgs = ['--import=@tapjs/typescript/import', ...preload, MAIN, ...argsFor(o, root, port)]
  const [cmd, args] = o.netns === undefined
    ? [process.execPath, nodeArgs]
    : ['ip', ['netns', 'exec', o.netns, process.execPath, ...nodeArgs]]
  const child = spawn(cmd, args, {
    cwd: REPO,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TMPDIR: tmp, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-4000) })
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server process did not start within ${o.startTimeoutMs ?? 20000} ms: ${stderr}`))
    }, o.startTimeoutMs ?? 20000)
    const lines = createInterface({ input: child.stdout! })
    lines.once('line', (line) => {
      clearTimeout(timer)
      try {
        resolve(JSON.parse(line) as Ready)
      } catch {
        reject(new Error(`unexpected server output: ${line} ${stderr}`))
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`server process exited (${code ?? signal}) before it was ready: ${stderr}`))
    })
  })
  child.stdout?.resume()
  const handle: ServerProcess = {
    url: ready.url,
    port: ready.port,
    pid: ready.pid,
    root: ready.root,
    instanceName: ready.instanceName,
    advertisedAddress: ready.advertisedAddress,
    child,
    kill (signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    },
    async stop () {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT')
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited(child)
        clearTimeout(timer)
      }
      if (ownsRoot) await rm(root, { recursive: true, force: true })
      await rm(tmp, { recursive: true, force: true })
    },
    async restart () {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await exited(child)
      }
      return launch(o, root, ready.port, tmp, ownsRoot)
    }
  }
  return handle
}

/** Starts a data server process; resolves once it accepts connections. */
export async function startServerProcess (options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const tmp = await mkdtemp(join(tmpdir(), 'pyme-srvproc-'))
  const root = options.root ?? await mkdtemp(join(tmpdir(), 'pyme-srvroot-'))
  return launch(options, root, options.port ?? 0, tmp, options.root === undefined)
}
