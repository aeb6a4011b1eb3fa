// BatchedFileWriter: the pieces of a body land in the file in order, in few writevs; the
// writer asks for a pause past its high-water mark and says 'drain'; a write error is told
// once (event and end callback); stop() drops what is not yet written and resolves only when
// no writev is in flight, so the descriptor can be closed safely.
import { once } from 'node:events'
import { closeSync, openSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { BatchedFileWriter, WRITE_BATCH, unwritten } from '../../lib/server/batched-file-writer.js'

const PIECE = 64 * 1024

function piece (i: number): Buffer {
  return Buffer.alloc(PIECE, i & 0xff)
}

/** A new empty file in a temp dir removed after the test; its path and a descriptor (closed after the test when `closeAfter`). */
async function tempFile (t: Test, flags: 'w' | 'r', closeAfter = true): Promise<{ path: string, fd: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-bfw-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'f')
  closeSync(openSync(path, 'w'))
  const fd = openSync(path, flags)
  if (closeAfter) t.teardown(() => { closeSync(fd) })
  return { path, fd }
}

t.test('pieces are written in order; false past the high-water mark, then drain', async (t) => {
  const { path, fd } = await tempFile(t, 'w')
  const w = new BatchedFileWriter(fd)
  const n = 200 // 12.5 MiB: several batches, past the high-water mark
  let paused = 0
  for (let i = 0; i < n; i++) {
    if (!w.write(piece(i))) {
      paused++
      await once(w, 'drain')
    }
  }
  t.ok(paused > 0, 'asked to pause at least once')
  const err = await new Promise<Error | null | undefined>((resolve) => { w.end(resolve) })
  t.equal(err, null)
  const data = readFileSync(path)
  t.equal(data.length, n * PIECE)
  let ok = true
  for (let i = 0; i < n && ok; i++) ok = data[i * PIECE] === (i & 0xff) && data[(i + 1) * PIECE - 1] === (i & 0xff)
  t.ok(ok, 'every piece in its place')
  await w.stop()
})

t.test('a body smaller than one batch is written by end()', async (t) => {
  const { path, fd } = await tempFile(t, 'w')
  const w = new BatchedFileWriter(fd)
  t.equal(w.write(Buffer.from('abc')), true)
  t.equal(w.write(Buffer.from('def')), true)
  t.equal(statSync(path).size, 0, 'nothing written before a batch is full')
  await new Promise((resolve) => { w.end(resolve) })
  t.equal(readFileSync(path, 'latin1'), 'abcdef')
})

t.test('a write error is told once, to the error listener and to end()', async (t) => {
  const { fd } = await tempFile(t, 'r') // writev fails: EBADF
  const w = new BatchedFileWriter(fd)
  const errors: unknown[] = []
  w.on('error', (e) => errors.push(e))
  for (let i = 0; i < WRITE_BATCH / PIECE; i++) w.write(piece(i))
  await once(w, 'error')
  t.equal(w.write(piece(1)), true, 'later pieces are dropped, never a pause')
  const err = await new Promise<Error | null | undefined>((resolve) => { w.end(resolve) })
  t.equal((err as NodeJS.ErrnoException).code, 'EBADF')
  t.equal(errors.length, 1)
})

t.test('stop() waits for the writev in flight and drops the rest', async (t) => {
  const { path, fd } = await tempFile(t, 'w', false)
  const w = new BatchedFileWriter(fd)
  const batch = WRITE_BATCH / PIECE
  for (let i = 0; i < batch; i++) w.write(piece(i)) // the first batch goes to the file system
  for (let i = 0; i < batch + 3; i++) w.write(piece(i)) // a second, gathered meanwhile
  await w.stop()
  closeSync(fd)
  t.equal(statSync(path).size, WRITE_BATCH, 'the batch in flight finished; nothing was written after stop()')
  t.equal(w.write(piece(0)), true, 'a piece after stop() is dropped')
})

t.test('unwritten(): the views left after a short write', async (t) => {
  const a = Buffer.from('abc')
  const b = Buffer.from('defg')
  t.same(unwritten([a, b], 0).map(String), ['abc', 'defg'])
  t.same(unwritten([a, b], 2).map(String), ['c', 'defg'])
  t.same(unwritten([a, b], 3).map(String), ['defg'])
  t.same(unwritten([a, b], 5).map(String), ['fg'])
  t.same(unwritten([a, b], 7), [])
})
