import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { Streamer } from '../../lib/streamer/streamer.js'
const child = spawn(process.execPath, ['/tmp/exp/sink.mjs'], { stdio: ['ignore', 'pipe', 'inherit'] })
const port = await new Promise<string>((r) => createInterface({ input: child.stdout! }).once('line', r))
const url = `http://127.0.0.1:${port}/`
const body = Buffer.alloc(Number(process.env.SIZE ?? 1024), 7)
const s = new Streamer({ servers: [url], memoryBudget: 64 * 1024 * 1024, pipelining: 16 })
const t0 = performance.now()
let i = 0
while (performance.now() - t0 < 4000) { if (!s.put(`s/f${i}`, body, { index: i++ })) await s.ready() }
const rep = await s.close()
console.log('streamer', (rep.files / ((performance.now() - t0) / 1000)).toFixed(0), 'fps')
child.kill()
