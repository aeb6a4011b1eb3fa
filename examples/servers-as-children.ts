// Data servers as child processes of your program: started with `node <bin> serve --json` (not
// npx, whose shell would stand between your signal and the server), ready when their JSON line
// arrives, stopped with SIGTERM (uploads finish, advertisements are withdrawn).
//   node servers-as-children.ts   (Node 22.18+ and 24 run TypeScript; on Node 20: npx tsx servers-as-children.ts)
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { ClusterBackend } from 'pyme-cluster'

const bin = join(dirname(createRequire(import.meta.url).resolve('pyme-cluster/package.json')), 'bin', 'pyme-cluster.js')
const root = await mkdtemp(join(tmpdir(), 'example-'))

async function startServer (name: string): Promise<{ child: ChildProcess, url: string }> {
  const child = spawn(process.execPath, [bin, 'serve', '--json', '--root', join(root, name), '--port', '0', '--advertise', 'none'], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const [line] = await once(createInterface({ input: child.stdout! }), 'line') as [string] // {"event":"ready",...}
  const ready = JSON.parse(line) as { url: string, port: number, root: string, pid: number }
  console.log(`${name}: ready at ${ready.url} (pid ${ready.pid}, root ${ready.root})`)
  return { child, url: ready.url }
}

const servers = await Promise.all(['node0', 'node1'].map(startServer))
const backend = new ClusterBackend(`examples/children-${Date.now()}.pcs`, { shape: [64, 64], servers: servers.map((s) => s.url) })
await backend.initialize()
for (let n = 0; n < 100; n++) if (!backend.storeFrame(n, new Uint16Array(64 * 64).fill(n))) await backend.ready()
const report = await backend.close()
console.log(`${report.url}: ${report.frames} frames, complete ${report.complete}`)

for (const { child } of servers) {
  const exited = once(child, 'exit')
  child.kill('SIGTERM') // a clean stop: the exit code is 0
  console.log(`server pid ${child.pid ?? '?'} stopped, exit code ${String((await exited)[0])}`)
}
await rm(root, { recursive: true, force: true })
