/**
 * Entry point of a demo data server in its own process (`pyme-cluster demo --server process`):
 * `node demo-server.js <root>` starts a loopback, unadvertised data server on a free port,
 * prints one JSON line `{"url"}`, and stops cleanly on SIGTERM or when its parent goes away
 * (stdin closes), so a killed demo never leaves a server behind. Not imported by anything.
 */
import { startDataServer } from '../server/index.js'

const root = process.argv[2]
if (root === undefined) throw new Error('usage: demo-server <root>')
const server = await startDataServer({ root, port: 0, host: '127.0.0.1', advertise: 'none' })
process.stdout.write(JSON.stringify({ url: server.url }) + '\n')

let stopping = false
const stop = (): void => {
  if (stopping) return
  stopping = true
  process.stdin.destroy()
  server.close().catch((err: unknown) => {
    process.stderr.write(`demo server: ${(err as Error).message}\n`)
    process.exitCode = 1
  })
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
