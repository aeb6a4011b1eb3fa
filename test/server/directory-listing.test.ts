// Listings (PROTOCOL.md §3.5): exact steady-state values, kept current by our own writes,
// changes made behind the server's back picked up, countdir compatibility, large
// directories fast and without stalling PUTs, bounded memory.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { WireClient, streamerPut } from './pyme-wire-client.js'

type Listing = Record<string, [number, number]>

t.test('series flags and sizes through the server, step by step (PYME showed cache glitches here)', async (t) => {
  const s = await startDataServerForTest(t)
  const list = async (p: string): Promise<Listing> => await (await fetch(`${s.url}${p}`)).json() as Listing
  const put = async (p: string, body: string | Buffer): Promise<void> => {
    t.equal((await fetch(`${s.url}${p}`, { method: 'PUT', body })).status, 200, p)
  }
  await put('cacheA/s1/metadata.json', '{"a":1}')
  t.same(await list('cacheA/'), { 's1/': [3, 1] })
  await put('cacheA/s1/frame00000.pzf', 'xx')
  await put('cacheA/s1/frame00001.pzf', 'xx')
  t.same(await list('cacheA/'), { 's1/': [3, 3] })
  await put('cacheA/s1/final_metadata.json', '{"a":1}')
  t.same(await list('cacheA/'), { 's1/': [3, 4] })
  await put('cacheA/s1/events.json', '[]')
  t.same(await list('cacheA/'), { 's1/': [7, 5] })
  await put('cacheA/plain/a.txt', 'abc')
  t.same(await list('cacheA/'), { 's1/': [7, 5], 'plain/': [1, 1] })
  // First PUT of a large file into a directory never listed: its real size (PYME doubled it).
  await put('cacheA/big/b100k.bin', Buffer.alloc(100_000))
  t.same(await list('cacheA/big/'), { 'b100k.bin': [0, 100_000] })
  await put('cacheA/big/c100k.bin', Buffer.alloc(100_000))
  t.same(await list('cacheA/big/'), { 'b100k.bin': [0, 100_000], 'c100k.bin': [0, 100_000] })
  // A PUT right after a listing is visible at once (PYME: up to 1 s later).
  await put('cacheA/plain/b.txt', 'abc')
  t.same(await list('cacheA/plain/'), { 'a.txt': [0, 3], 'b.txt': [0, 3] })
  t.same(await list('cacheA/'), { 's1/': [7, 5], 'plain/': [1, 2], 'big/': [1, 2] })
  await put('cacheA/newdir/', '')
  t.same(await list('cacheA/'), { 's1/': [7, 5], 'plain/': [1, 2], 'big/': [1, 2], 'newdir/': [1, 0] })
})

t.test('files created behind the server\'s back appear (directory mtime, short TTL)', async (t) => {
  const s = await startDataServerForTest(t)
  await fetch(`${s.url}ext/a.txt`, { method: 'PUT', body: 'a' })
  t.same(await (await fetch(`${s.url}ext/`)).json(), { 'a.txt': [0, 1] })
  await writeFile(join(s.root, 'ext/b.txt'), 'bb')
  await mkdir(join(s.root, 'ext/series'))
  await writeFile(join(s.root, 'ext/series/metadata.json'), '{}')
  // Bounded wait for the re-validation interval (1 s minimum): poll, at most 5 s.
  let seen: Listing = {}
  for (let i = 0; i < 50 && Object.keys(seen).length < 3; i++) {
    seen = await (await fetch(`${s.url}ext/`)).json() as Listing
    if (Object.keys(seen).length < 3) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.same(seen, { 'a.txt': [0, 1], 'b.txt': [0, 2], 'series/': [3, 1] })
  await rm(join(s.root, 'ext/b.txt'))
  for (let i = 0; i < 50 && 'b.txt' in seen; i++) {
    seen = await (await fetch(`${s.url}ext/`)).json() as Listing
    if ('b.txt' in seen) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.notOk('b.txt' in seen, 'a removed file disappears')
})

t.test('countdirCompat: directory sizes +2, .h5 flagged 0x06', async (t) => {
  const s = await startDataServerForTest(t, { countdirCompat: true })
  await fetch(`${s.url}cd/s/metadata.json`, { method: 'PUT', body: '{}' })
  await fetch(`${s.url}cd/t.h5`, { method: 'PUT', body: 'abcd' })
  t.same(await (await fetch(`${s.url}cd/`)).json(), { 's/': [3, 3], 't.h5': [6, 4] })
  await fetch(`${s.url}cd/new/`, { method: 'PUT', body: '' })
  t.same(await (await fetch(`${s.url}cd/`)).json(), { 's/': [3, 3], 't.h5': [6, 4], 'new/': [1, 2] })
})

t.test('a 20,000-file directory: exact listing, and PUTs keep flowing while it is built', async (t) => {
  const s = await startDataServerForTest(t)
  const dir = join(s.root, 'big/s1')
  await mkdir(dir, { recursive: true })
  const N = 20_000
  for (let i = 0; i < N; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => writeFile(join(dir, `frame${String(i + j).padStart(5, '0')}.pzf`), 'x'.repeat((i + j) % 97))))
  }
  const c = await WireClient.connect(s.port)
  t.teardown(() => c.destroy())
  const listing = fetch(`${s.url}big/s1/`).then(async (r) => await r.json() as Listing)
  await c.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => streamerPut(`big/other/f${i}.bin`, 'y'))))
  for (let i = 0; i < 50; i++) t.equal((await c.response()).status, 200)
  const l = await listing
  t.equal(Object.keys(l).length, N)
  t.same(l['frame12345.pzf'], [0, 12345 % 97])
  // A PUT during or after the build shows up in the cached listing, once.
  await fetch(`${s.url}big/s1/metadata.json`, { method: 'PUT', body: '{}' })
  const again = await (await fetch(`${s.url}big/s1/`)).json() as Listing
  t.equal(Object.keys(again).length, N + 1)
  t.same(again['metadata.json'], [0, 2])
  t.same((await (await fetch(`${s.url}big/`)).json() as Listing)['s1/'], [3, N + 1])
})
