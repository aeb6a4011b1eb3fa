import t from 'tap'
import { ListingCache } from '../../lib/cluster/listing-cache.js'

const U = 'http://127.0.0.1:1/'
const mk = (entries: Array<[string, [number, number]]>): Map<string, [number, number]> => new Map(entries)

t.test("PYME freshness: ttl plus the fetch's duration", async (t) => {
  const c = new ListingCache({ ttlMs: 1000, maxDirs: 10, maxNames: 1000, ownWriteMs: 5000 })
  c.store(U, 'd', mk([['a', [0, 1]]]), 300, 0)
  t.ok(c.fresh(U, 'd', 1000))
  t.ok(c.fresh(U, 'd', 1300), 'still usable while age <= ttl + duration')
  t.notOk(c.fresh(U, 'd', 1301))
  t.ok(c.peek(U, 'd'), 'any age for existence questions')
  t.notOk(c.fresh(U, 'other', 0))
  c.forget(U, 'd')
  t.notOk(c.peek(U, 'd'))
  const missing = c.store(U, 'gone', null, 1, 0)
  t.equal(missing.exists, false)
  t.equal(missing.listing.size, 0)
})

t.test('own writes show in cached listings, in ancestors, and in later fetches that lag', async (t) => {
  const c = new ListingCache({ ttlMs: 1000, maxDirs: 10, maxNames: 1000, ownWriteMs: 5000 })
  const root = c.store(U, '', mk([['other/', [1, 1]]]), 1, 0)
  const s = c.store(U, 'u/s.pcs', null, 1, 0)
  c.recordWrite(U, 'u/s.pcs/metadata.json', 7, 10)
  t.same(s.listing.get('metadata.json'), [0, 7])
  t.equal(s.exists, true)
  t.equal(s.version, 1)
  t.same(root.listing.get('u/'), [1, 1], 'ancestor directory appears in the cached root listing')
  // A listing of u/ fetched later, from a server that does not show s.pcs yet.
  const u = c.store(U, 'u', mk([]), 1, 100)
  t.same(u.listing.get('s.pcs/'), [3, 1], 'directory + series flag from metadata.json')
  c.recordWrite(U, 'u/s.pcs/events.json', 2, 200)
  t.same(u.listing.get('s.pcs/'), [7, 1], 'complete flag from events.json')
  c.recordWrite(U, 'u/s.pcs/events.json', 2, 250)
  t.equal(u.version, 1, 'nothing new: no version bump')
  // A later fetch that already has it keeps the server's size and ORs our flags.
  const u2 = c.store(U, 'u', mk([['s.pcs/', [1, 9]]]), 1, 300)
  t.same(u2.listing.get('s.pcs/'), [7, 9])
  // The overlay expires.
  const u3 = c.store(U, 'u', mk([]), 1, 10_000)
  t.equal(u3.listing.size, 0, 'after ownWriteMs the server is trusted again')
  const root2 = c.store(U, '', mk([]), 1, 10_000)
  t.equal(root2.listing.size, 0)
  c.clear()
  t.notOk(c.peek(U, 'u'))
})

t.test('bounded by directories and names', async (t) => {
  const c = new ListingCache({ ttlMs: 1000, maxDirs: 2, maxNames: 5, ownWriteMs: 0 })
  c.store(U, 'a', mk([['1', [0, 1]]]), 1, 0)
  c.store(U, 'b', mk([['1', [0, 1]]]), 1, 0)
  c.store(U, 'c', mk([['1', [0, 1]]]), 1, 0)
  t.notOk(c.peek(U, 'a'))
  c.store(U, 'big', mk([['1', [0, 1]], ['2', [0, 1]], ['3', [0, 1]], ['4', [0, 1]], ['5', [0, 1]]]), 1, 0)
  t.notOk(c.peek(U, 'big'), 'a listing heavier than the bound is not kept')
})
