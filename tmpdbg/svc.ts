import { rmSync } from 'node:fs'
import { H5Service } from '../lib/hdf5/h5-service.js'
import { encodePzf } from '../lib/pzf/encode-pzf.js'
const px = new Uint16Array(2048 * 2048); let x = 1
for (let i = 0; i < px.length; i++) { x = (x * 1103515245 + 12345) >>> 0; px[i] = 100 + ((x >>> 16) & 0x7f) }
const frame = encodePzf(px, { shape: [2048, 2048], compression: 'huffman' })
const file = '/dev/shm/svc.h5'; rmSync(file, { force: true })
const h5 = new H5Service()
await h5.putSeriesMember(file, 'metadata.json', Buffer.from('{}'))
const N = 60; const c0 = process.cpuUsage(); const t0 = performance.now()
// 2 in flight, as the server pipelines
let p: Promise<unknown> = Promise.resolve()
for (let n = 0; n < N; n++) { const b = Buffer.from(frame); b.writeUInt32LE(n, 16); const body = new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)); await p; p = h5.putSeriesMember(file, `frame${n}.pzf`, body, { transfer: true }) }
await p
const dt = performance.now() - t0; const c = process.cpuUsage(c0)
console.log('service fps', (N / dt * 1000).toFixed(1), 'cpu ms/frame', ((c.user + c.system) / 1000 / N).toFixed(1))
await h5.close()
