import t from 'tap'
import { MessageChannel } from 'node:worker_threads'
import { canTransfer, ownsWholeBuffer } from '../../lib/internal/transferable.js'

/** Whether Node moves `buffer` when listed for transfer (detaches it) without failing. */
function transfers (buffer: ArrayBuffer): boolean {
  const { port1, port2 } = new MessageChannel()
  try {
    port1.postMessage(buffer, [buffer])
    return buffer.byteLength === 0
  } finally {
    port1.close()
    port2.close()
  }
}

t.test('a fresh ArrayBuffer is transferable and moves', async (t) => {
  const a = new Uint16Array(64)
  t.equal(canTransfer(a.buffer), true)
  t.equal(ownsWholeBuffer(a), true)
  t.equal(transfers(a.buffer), true)
})

t.test('views of part of a buffer and shared memory are not owned whole', async (t) => {
  const whole = new Uint8Array(64)
  t.equal(ownsWholeBuffer(whole.subarray(8)), false)
  t.equal(ownsWholeBuffer(new Uint8Array(whole.buffer, 0, 32)), false)
  const shared = new Uint8Array(new SharedArrayBuffer(16))
  t.equal(canTransfer(shared.buffer), false)
  t.equal(ownsWholeBuffer(shared), false)
})

t.test("a pooled Buffer's slab: never listed where Node would refuse it", async (t) => {
  const pooled = Buffer.from('pixels')
  if (canTransfer(pooled.buffer)) {
    // Node 20 has no isMarkedAsUntransferable, and copies such a slab instead of failing.
    t.doesNotThrow(() => transfers(pooled.buffer as ArrayBuffer), 'listing it is harmless here')
  } else {
    t.throws(() => transfers(pooled.buffer as ArrayBuffer), { name: 'DataCloneError' }, 'Node refuses to transfer it')
  }
  t.equal(ownsWholeBuffer(pooled), false)
})
