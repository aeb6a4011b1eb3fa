import { closeSync, ftruncateSync, openSync, readFileSync, writeFileSync, writeSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { RollbackJournal } from '../../lib/hdf5/rollback-journal.js'

async function setup (t: { teardown: (fn: () => unknown) => void }): Promise<{ file: string, jpath: string, original: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-journal-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'f.h5')
  const original = Buffer.alloc(4096)
  for (let i = 0; i < original.length; i++) original[i] = (i * 7) & 0xff
  writeFileSync(file, original)
  return { file, jpath: join(dir, '.pyme-h5j.f.h5'), original }
}

// What the HDF5 library does through the hook: journal first, then write.
function write (j: RollbackJournal, fd: number, pos: number, bytes: Buffer): void {
  j.beforeWrite(pos, bytes)
  writeSync(fd, bytes, 0, bytes.length, pos)
}

for (const fsync of [false, true]) {
  t.test(`an append that did not commit is undone (fsync ${fsync})`, async (t) => {
    const { file, jpath, original } = await setup(t)
    const j = new RollbackJournal(file, jpath, { fsync })
    const fd = openSync(file, 'r+')
    j.begin()
    t.equal(j.active, true)
    const same = original.subarray(100, 1100)
    write(j, fd, 100, Buffer.from(same)) // a rewrite of unchanged bytes journals nothing
    t.throws(() => statSync(jpath), { code: 'ENOENT' }, 'no journal for identical bytes')
    write(j, fd, 10, Buffer.from('changed!'))
    write(j, fd, 2000, Buffer.alloc(300, 1)) // many differing bytes, some separated by equal ones
    write(j, fd, 4000, Buffer.alloc(500, 2)) // partly past the old end
    j.beforeTruncate(3000)
    ftruncateSync(fd, 3000)
    closeSync(fd)
    // "killed" here: no commit
    t.ok(statSync(jpath).size > 16)
    t.equal(RollbackJournal.recover(file, jpath, fsync), true)
    t.same(readFileSync(file), original, 'byte for byte the committed file')
    t.equal(statSync(jpath).size, 0)
    t.equal(RollbackJournal.recover(file, jpath, fsync), false, 'nothing left to undo')
    j.close()
  })
}

t.test('commit keeps the changes; rollback undoes the current append only', async (t) => {
  const { file, jpath, original } = await setup(t)
  const j = new RollbackJournal(file, jpath, { fsync: false })
  const fd = openSync(file, 'r+')
  j.beforeWrite(0, Buffer.from('x')) // outside an append: ignored
  j.beforeTruncate(0)
  j.begin()
  write(j, fd, 0, Buffer.from('first'))
  j.commit(fd)
  t.equal(j.active, false)
  t.equal(statSync(jpath).size, 0)
  const committed = readFileSync(file)
  t.equal(committed.subarray(0, 5).toString(), 'first')
  j.begin()
  write(j, fd, 0, Buffer.from('second'))
  write(j, fd, 4096, Buffer.from('tail'))
  j.rollback()
  t.same(readFileSync(file), committed)
  closeSync(fd)
  j.close()
  t.not(original, committed)
})

t.test('a torn journal: a bad record and what follows are ignored; a torn header means untouched', async (t) => {
  const { file, jpath, original } = await setup(t)
  const j = new RollbackJournal(file, jpath, { fsync: false })
  const fd = openSync(file, 'r+')
  j.begin()
  write(j, fd, 0, Buffer.from('AAAA'))
  write(j, fd, 50, Buffer.from('BBBB'))
  closeSync(fd)
  j.close()
  // Corrupt the second record's bytes: its file write "never started", so only the first is undone.
  const journal = readFileSync(jpath)
  journal.writeUInt8((journal.at(-1) as number) ^ 0xff, journal.length - 1)
  writeFileSync(jpath, journal)
  RollbackJournal.recover(file, jpath, false)
  const now = readFileSync(file)
  t.same(now.subarray(0, 4), original.subarray(0, 4), 'first record undone')
  t.equal(now.subarray(50, 54).toString(), 'BBBB', 'the torn record is not applied')
  writeFileSync(jpath, 'PYME')
  t.equal(RollbackJournal.recover(file, jpath, false), false, 'a header cut short: nothing was changed')
  t.equal(statSync(jpath).size, 0)
})
