/**
 * Child process for the kill tests: appends frames 0..n-1 to an .h5 series through
 * H5Service and prints `acked <n>` after each 200-equivalent. With --kill-after W the HDF5
 * worker SIGKILLs the whole process at the file's W-th write, in the middle of some append.
 *
 *   node --import=@tapjs/typescript/import test/hdf5/append-main.ts FILE N [KILL_AFTER]
 */
import { encodePzf } from '../../lib/pzf/encode-pzf.js'
import { H5Service } from '../../lib/hdf5/h5-service.js'

const [file, count, killAfter] = process.argv.slice(2)
const h5 = new H5Service(killAfter === undefined ? {} : { unsafeKillAfterWrites: Number(killAfter) })
await h5.putSeriesMember(file as string, 'metadata.json', new TextEncoder().encode('{"SizeC": 1}'))
for (let n = 0; n < Number(count); n++) {
  const px = new Uint16Array(64 * 32).map((_, i) => (i + n * 31) & 0xfff)
  await h5.putSeriesMember(file as string, `frame${String(n).padStart(5, '0')}.pzf`, encodePzf(px, { shape: [64, 32], compression: 'huffman', frameNum: n }))
  process.stdout.write(`acked ${n}\n`)
}
await h5.close()
process.stdout.write('done\n')
