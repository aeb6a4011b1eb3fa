// OverflowGate on its own: where a put goes under each policy, when the producer must wait,
// and the one 'drain' signal after bytes are released. No time is involved: the gate only
// reads the budget and the journal.
import t, { type Test } from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DROP, MEMORY, OverflowGate, SPILL } from '../../lib/streamer/overflow-gate.js'
import { MemoryBudget } from '../../lib/streamer/memory-budget.js'
import { SpillQueue } from '../../lib/streamer/spill-queue.js'

async function spillDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gate-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

t.test("'block': memory while it fits, then a refusal that names the wait, and one drain", async (t) => {
  const budget = new MemoryBudget(100)
  const gate = new OverflowGate('block', budget, new SpillQueue(await spillDir(t), Infinity))
  t.equal(gate.mustWait(60), false)
  t.equal(gate.place(60), MEMORY)
  budget.charge(60)
  t.equal(gate.roomAfterMemory(60), false, 'another 60 bytes do not fit')
  t.equal(gate.mustWait(60), true)
  t.throws(() => gate.place(60), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /memory budget full \(60 of 100 bytes held\)/ })
  t.throws(() => gate.place(200), { message: /larger than memoryBudget \(100\).*await ready\(200\)/ })
  t.equal(gate.lastSize, 200)
  t.equal(gate.drainDue(), false, 'nothing released: no drain')
  budget.release(60)
  t.equal(gate.drainDue(), true, 'room again: drain, once')
  t.equal(gate.drainDue(), false)
})

t.test("'drop': a put that does not fit is dropped, and the producer never waits", async (t) => {
  const budget = new MemoryBudget(100)
  const gate = new OverflowGate('drop', budget, new SpillQueue(await spillDir(t), Infinity))
  t.equal(gate.place(80), MEMORY)
  budget.charge(80)
  t.equal(gate.roomAfterMemory(80), true, "'drop' never asks to wait")
  t.equal(gate.mustWait(80), false)
  t.equal(gate.place(80), DROP)
  t.equal(gate.drainDue(), false)
})

t.test("'spill': over the budget into the journal, then the journal first until it is replayed", async (t) => {
  const budget = new MemoryBudget(100)
  const spill = new SpillQueue(await spillDir(t), 1000)
  const gate = new OverflowGate('spill', budget, spill)
  t.equal(gate.place(80), MEMORY)
  budget.charge(80)
  t.equal(gate.roomAfterMemory(80), true, 'the journal can take it')
  t.equal(gate.place(80), SPILL)
  spill.append({ seq: 1, path: 'a', index: 1, kind: 'bytes', data: Buffer.alloc(80) }, null)
  budget.release(80)
  t.equal(gate.place(10), SPILL, 'put order: later files queue behind the journal')
  t.equal(gate.roomAfterSpill(10_000), false, 'a record beyond spillLimit does not fit')
  t.equal(gate.drainDue(), true, 'the journal takes the last size again')
  const small = new MemoryBudget(10)
  const full = new OverflowGate('spill', small, new SpillQueue(await spillDir(t), 5))
  t.equal(full.place(5), MEMORY)
  small.charge(5)
  t.throws(() => full.place(20), { message: /larger than memoryBudget/ }, 'beyond budget and journal: as with block')
})
