import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, truncate, writeFile, appendFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SpillJournal, SpillJournalReader, SPILL_MAGIC } from '../../lib/streamer/spill-journal.js'

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spill-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

t.test('append, read back in order, remove', async (t) => {
  const dir = await tempDir(t)
  const j = new SpillJournal(dir)
  t.match(j.path, /pyme-spill-\d+-[0-9a-f]{12}\.journal$/)
  t.equal(j.size, 16)
  t.equal(j.nextSize(), -1)
  const frame = new Uint16Array([1, 2, 3, 65535])
  const n1 = j.append({ seq: 0, path: 's/metadata.json', index: -1, kind: 'bytes', data: Buffer.from('{"a":1}') })
  const n2 = j.append({
    seq: 1,
    path: 's/frame00000.pzf',
    index: 0,
    kind: 'frame',
    data: new Uint8Array(frame.buffer),
    dtype: 'uint16',
    encode: { shape: [2, 2], compression: 'huffman', frameNum: 0 },
    arg: { k: 'v' }
  })
  t.equal(j.size, 16 + n1 + n2)
  t.equal(j.pending, 2)
  t.ok(j.nextSize() > 7)
  const r1 = j.readNext()
  t.same(r1, { seq: 0, path: 's/metadata.json', index: -1, kind: 'bytes', data: new Uint8Array(Buffer.from('{"a":1}')) })
  // Appending while reading: the reader keeps its place.
  j.append({ seq: 2, path: 's/events.json', index: -1, kind: 'bytes', data: new Uint8Array(0) })
  const r2 = j.readNext()
  t.equal(r2?.kind, 'frame')
  t.equal(r2?.dtype, 'uint16')
  t.same(r2?.encode, { shape: [2, 2], compression: 'huffman', frameNum: 0 })
  t.same(r2?.arg, { k: 'v' })
  t.same([...new Uint16Array(new Uint8Array(r2?.data ?? []).buffer)], [1, 2, 3, 65535])
  t.equal(j.readNext()?.path, 's/events.json')
  t.equal(j.readNext(), null)
  t.equal(j.pending, 0)
  const head = await readFile(j.path)
  t.equal(head.toString('latin1', 0, 8), SPILL_MAGIC)
  t.equal(head.readUInt32LE(8), 1)
  j.remove()
  await t.rejects(stat(j.path), { code: 'ENOENT' })
  j.remove() // idempotent
})

t.test('a torn tail is detected, never replayed', async (t) => {
  const dir = await tempDir(t)
  const j = new SpillJournal(dir)
  const data = Buffer.alloc(1000, 7)
  for (let i = 0; i < 3; i++) j.append({ seq: i, path: `f${i}`, index: i, kind: 'bytes', data })
  const full = j.size
  j.close()
  j.close() // idempotent

  // Cut inside the last payload (a crash mid-write).
  await truncate(j.path, full - 10)
  let r = new SpillJournalReader(j.path)
  t.equal(r.next()?.path, 'f0')
  t.equal(r.next()?.path, 'f1')
  t.equal(r.next(), null)
  t.match(r.torn, /payload cut/)
  t.equal(r.next(), null, 'stays at the end')
  const valid = r.validBytes
  r.close()

  // Cut inside a record header.
  await truncate(j.path, valid + 5)
  r = new SpillJournalReader(j.path)
  r.next(); r.next()
  t.equal(r.next(), null)
  t.match(r.torn, /header cut/)
  r.close()

  // A whole record with a flipped payload byte: CRC mismatch.
  await truncate(j.path, valid)
  const clean = new SpillJournal(dir)
  clean.append({ seq: 9, path: 'x', index: -1, kind: 'bytes', data: Buffer.from('hello') })
  const bytes = await readFile(clean.path)
  clean.close()
  const rec = bytes.subarray(16)
  rec[rec.length - 1] = (rec[rec.length - 1] as number) ^ 0xff
  await appendFile(j.path, rec)
  r = new SpillJournalReader(j.path)
  r.next(); r.next()
  t.equal(r.next(), null)
  t.match(r.torn, /CRC mismatch/)
  t.equal(r.validBytes, valid)
  r.close()
})

t.test('damaged records inside a live journal throw JournalError', async (t) => {
  const dir = await tempDir(t)
  const j = new SpillJournal(dir)
  j.append({ seq: 0, path: 'a', index: -1, kind: 'bytes', data: Buffer.from('abc') })
  // Corrupt the payload in place.
  const bytes = await readFile(j.path)
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0x55
  await writeFile(j.path, bytes)
  t.throws(() => j.readNext(), { code: 'PYME_ERR_JOURNAL', message: /damaged: CRC mismatch/ })
  j.remove()
})

t.test('bad files and bad records', async (t) => {
  const dir = await tempDir(t)
  t.throws(() => new SpillJournalReader(join(dir, 'missing')), { code: 'PYME_ERR_JOURNAL' })
  await writeFile(join(dir, 'short'), 'PYME')
  t.throws(() => new SpillJournalReader(join(dir, 'short')), { code: 'PYME_ERR_JOURNAL', message: /bad magic/ })
  const v2 = Buffer.alloc(16)
  v2.write('PYMESPIL', 0, 'latin1')
  v2.writeUInt32LE(2, 8)
  await writeFile(join(dir, 'v2'), v2)
  t.throws(() => new SpillJournalReader(join(dir, 'v2')), { message: /unsupported spill journal version 2/ })
  t.throws(() => new SpillJournal(join(dir, 'no-such-dir')), { code: 'PYME_ERR_JOURNAL' })

  // A zero length, then a valid CRC over a payload that is not a record.
  const { crc32 } = await import('node:zlib')
  const { encode } = await import('@msgpack/msgpack')
  const head = Buffer.alloc(16)
  head.write('PYMESPIL', 0, 'latin1')
  head.writeUInt32LE(1, 8)
  const zero = Buffer.alloc(8)
  await writeFile(join(dir, 'zero'), Buffer.concat([head, zero]))
  let r = new SpillJournalReader(join(dir, 'zero'))
  t.equal(r.next(), null)
  t.match(r.torn, /bad record length 0/)
  r.close()
  const junk = encode({ v: 1, s: 'not a number' })
  const jh = Buffer.alloc(8)
  jh.writeUInt32LE(junk.length, 0)
  jh.writeUInt32LE(crc32(junk), 4)
  await writeFile(join(dir, 'junk'), Buffer.concat([head, jh, junk]))
  r = new SpillJournalReader(join(dir, 'junk'))
  t.equal(r.next(), null)
  t.match(r.torn, /malformed record/)
  r.close()
  const notMsgpack = Buffer.from([0xc1])
  jh.writeUInt32LE(1, 0)
  jh.writeUInt32LE(crc32(notMsgpack), 4)
  await writeFile(join(dir, 'bad'), Buffer.concat([head, jh, notMsgpack]))
  r = new SpillJournalReader(join(dir, 'bad'))
  t.equal(r.next(), null)
  t.match(r.torn, /undecodable record/)
  r.close()
})

t.test('a full disk: the append fails, the journal stays whole', async (t) => {
  const dir = await tempDir(t)
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir])
  } catch (err) {
    t.fail(`this test needs a small tmpfs (run as root): ${(err as Error).message}`)
    return
  }
  t.teardown(() => { execFileSync('umount', ['-l', dir]) })
  const j = new SpillJournal(dir)
  const data = Buffer.alloc(10_000, 1)
  let appended = 0
  let error: unknown
  for (let i = 0; i < 100; i++) {
    try {
      j.append({ seq: i, path: `f${i}`, index: i, kind: 'bytes', data })
      appended++
    } catch (err) {
      error = err
      break
    }
  }
  t.match(error, { code: 'PYME_ERR_JOURNAL', message: /cannot append/ })
  t.ok(appended > 0 && appended < 7)
  const sizeAfterFailure = j.size
  t.equal((await stat(j.path)).size, sizeAfterFailure, 'cut back to the last whole record')
  const r = new SpillJournalReader(j.path)
  let n = 0
  while (r.next() !== null) n++
  t.equal(n, appended)
  t.equal(r.torn, null)
  r.close()
  j.remove()
})
