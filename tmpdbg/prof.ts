import { rmSync } from 'node:fs'
import { loadH5Runtime } from '../lib/hdf5/h5wasm-runtime.js'
import { H5File } from '../lib/hdf5/h5-file.js'
import { H5SeriesFile } from '../lib/hdf5/h5-series-file.js'
import { SERIES_TEMPLATE_BASE64 } from '../lib/hdf5/pytables-templates.js'
import { encodePzf } from '../lib/pzf/encode-pzf.js'
const path = '/dev/shm/prof.h5'
rmSync(path, { force: true })
const rt = await loadH5Runtime()
const f = H5File.open(rt, path, { write: true, fsync: false, create: Buffer.from(SERIES_TEMPLATE_BASE64, 'base64') })
const s = new H5SeriesFile(f)
const px = new Uint16Array(2048 * 2048); let x = 1
for (let i = 0; i < px.length; i++) { x = (x * 1103515245 + 12345) >>> 0; px[i] = 100 + ((x >>> 16) & 0x7f) }
const frame = encodePzf(px, { shape: [2048, 2048], compression: 'huffman' })
const N = 60
const t0 = performance.now(); const c0 = process.cpuUsage()
for (let n = 0; n < N; n++) { const b = Buffer.from(frame); b.writeUInt32LE(n, 16); s.put(`frame${n}.pzf`, b) }
const t1 = performance.now(); const c1 = process.cpuUsage(c0)
console.log('direct fps', (N / (t1 - t0) * 1000).toFixed(1), 'cpu ms/frame', ((c1.user + c1.system) / 1000 / N).toFixed(1))
f.close()
