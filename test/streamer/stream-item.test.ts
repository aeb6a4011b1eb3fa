import t from 'tap'
import { ItemState, StreamItem } from '../../lib/streamer/stream-item.js'

t.test('remembers the nodes an item was written to, beyond 31 nodes too', async (t) => {
  const item = new StreamItem(0, 'a/b', '/a/b', -1, false, false)
  t.equal(item.state, ItemState.QUEUED)
  t.notOk(item.settled)
  for (const n of [0, 5, 30, 31, 40, 40]) {
    t.notOk(item.wasSentTo(n) && n !== 40, `not yet ${n}`)
    item.markSent(n)
    t.ok(item.wasSentTo(n), `sent to ${n}`)
  }
  t.notOk(item.wasSentTo(1))
  t.notOk(item.wasSentTo(32))
  t.same(item.sentMore, [31, 40], 'each high node once')
  item.state = ItemState.STORED
  t.ok(item.settled)
  item.state = ItemState.FAILED
  t.ok(item.settled)
})
