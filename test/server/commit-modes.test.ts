// Uploads are committed two ways (temp-upload.ts): small bodies on a local file system with
// synchronous system calls, everything else streamed asynchronously. Both must store the same
// bytes with the same mode, refuse a second PUT, recover a directory removed behind the
// server's back, and leave no temporary file.
import { rm, readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import t from 'tap'
import { InvalidArgumentError } from '../../lib/errors.js'
import { isLocalFilesystem } from '../../lib/server/local-filesystem.js'
import { SMALL_BODY } from '../../lib/server/temp-upload.js'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { WireClient } from './pyme-wire-client.js'

const SIZES = [0, 1, 4096, SMALL_BODY, SMALL_BODY + 1, 3 * SMALL_BODY + 17]

function body (size: number, seed: number): Buffer {
  const b = Buffer.alloc(size)
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff
  return b
}

for (const syncCommit of [true, false, 'auto'] as const) {
  t.test(`syncCommit: ${String(syncCommit)}`, async (t) => {
    const s = await startDataServerForTest(t, { syncCommit })
    for (const [i, size] of SIZES.entries()) {
      const b = body(size, i)
      const put = await fetch(`${s.url}m/f${i}.bin`, { method: 'PUT', body: b })
      t.equal(put.status, 200, `${size} bytes stored`)
      t.same(await readFile(join(s.root, 'm', `f${i}.bin`)), b, `${size} bytes: content`)
      t.equal((await stat(join(s.root, 'm', `f${i}.bin`))).mode & 0o777, 0o440, `${size} bytes: write-once mode`)
      const again = await fetch(`${s.url}m/f${i}.bin`, { method: 'PUT', body: body(size, i + 1) })
      t.equal(again.status, 405, `${size} bytes: the second PUT is refused`)
      t.same(await readFile(join(s.root, 'm', `f${i}.bin`)), b, `${size} bytes: the first content stays`)
    }
    // A body trickled in many tiny segments (past the sink's chunk limit) is stored whole.
    const c = await WireClient.connect(s.port)
    t.teardown(() => c.destroy())
    const trickle = body(4000, 9)
    await c.write(`PUT /m/trickle.bin HTTP/1.1\r\nContent-Length: ${trickle.length}\r\n\r\n`)
    for (let at = 0; at < trickle.length; at += 20) {
      await c.write(trickle.subarray(at, at + 20))
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
    t.equal((await c.response()).status, 200, 'trickled body stored')
    t.same(await readFile(join(s.root, 'm', 'trickle.bin')), trickle, 'trickled body: content')

    const text = Buffer.from('inflated '.repeat(1000))
    const gz = await fetch(`${s.url}m/g.txt`, { method: 'PUT', body: gzipSync(text), headers: { 'Content-Encoding': 'gzip' } })
    t.equal(gz.status, 200)
    t.same(await readFile(join(s.root, 'm', 'g.txt')), text, 'gzip body stored inflated')

    // The directory vanishes behind the server's back: both paths make it again.
    await fetch(`${s.url}gone/first.txt`, { method: 'PUT', body: 'x' })
    await rm(join(s.root, 'gone'), { recursive: true })
    const small = await fetch(`${s.url}gone/small.txt`, { method: 'PUT', body: 'small' })
    t.equal(small.status, 200, 'small body into a removed directory')
    await rm(join(s.root, 'gone'), { recursive: true })
    const large = await fetch(`${s.url}gone/large.bin`, { method: 'PUT', body: body(SMALL_BODY * 2, 5) })
    t.equal(large.status, 200, 'large body into a removed directory')
    t.same((await readdir(join(s.root, 'gone'))).sort(), ['large.bin'])
    t.same((await readdir(join(s.root, 'm'))).filter((n) => n.startsWith('.')), [], 'no temporary file left')
    const listing = await (await fetch(`${s.url}m/`)).json() as Record<string, [number, number]>
    t.same(listing[`f${SIZES.length - 1}.bin`], [0, 3 * SMALL_BODY + 17], 'the listing has the size')
  })
}

t.test('fsync: small and large bodies are stored, with their mode', async (t) => {
  const s = await startDataServerForTest(t, { fsync: true })
  for (const [i, size] of [10, SMALL_BODY + 1].entries()) {
    const b = body(size, i)
    t.equal((await fetch(`${s.url}fs/f${i}`, { method: 'PUT', body: b })).status, 200)
    t.same(await readFile(join(s.root, 'fs', `f${i}`)), b)
    t.equal((await stat(join(s.root, 'fs', `f${i}`))).mode & 0o777, 0o440)
  }
})

t.test('syncCommit is validated', async (t) => {
  await t.rejects(startDataServerForTest(t, { syncCommit: 'yes' as unknown as boolean }), InvalidArgumentError)
})

t.test('isLocalFilesystem knows local file systems from others', async (t) => {
  t.equal(await isLocalFilesystem('/definitely/not/here'), false, 'a missing path is not assumed local')
  t.equal(await isLocalFilesystem('/proc'), false, 'procfs is not a local data file system')
  t.equal(await isLocalFilesystem('/dev/shm'), process.platform === 'linux', 'tmpfs is local')
})
