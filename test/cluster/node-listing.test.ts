import t from 'tap'
import { FileType, parseNodeListing } from '../../lib/cluster/node-listing.js'
import { mergeListings } from '../../lib/cluster/listing-merge.js'

t.test('parses PYME listing JSON (escaped slashes, compact)', async (t) => {
  const r = parseNodeListing('{"LOGS\\/":[1,1],"metadata.json":[0,412],"s1.pcs\\/":[7,1203],"t.h5":[2,1048576]}')
  if (r.error !== undefined) throw new Error(r.error)
  t.same([...r.listing], [['LOGS/', [1, 1]], ['metadata.json', [0, 412]], ['s1.pcs/', [7, 1203]], ['t.h5', [2, 1048576]]])
  t.equal(r.dropped, 0)
})

t.test('refuses malformed bodies, drops unsafe names', async (t) => {
  t.match(parseNodeListing('<html>'), { error: /not JSON/ })
  t.match(parseNodeListing('[1,2]'), { error: /not a JSON object/ })
  t.match(parseNodeListing('null'), { error: /not a JSON object/ })
  t.match(parseNodeListing('{"a":[1]}'), { error: /'a' is not \[flags, size\]/ })
  t.match(parseNodeListing('{"a":["1",2]}'), { error: /not \[flags, size\]/ })
  t.match(parseNodeListing('{"a":[1.5,2]}'), { error: /not \[flags, size\]/ })
  t.match(parseNodeListing('{"a":[1,null]}'), { error: /not \[flags, size\]/ })
  const r = parseNodeListing('{"../x":[0,1],"a/b":[0,1],"..\\/":[1,1],"\\/":[1,1],"":[0,1],"n\\u0000ul":[0,1],".":[0,1],"ok":[0,1],"__proto__":[0,5]}')
  if (r.error !== undefined) throw new Error(r.error)
  t.same([...r.listing.keys()], ['ok', '__proto__'])
  t.equal(r.dropped, 7)
})

t.test('merge as PYME: flags OR-ed, directory sizes summed, file size from the later server', async (t) => {
  const a = new Map<string, [number, number]>([['d/', [1, 3]], ['f', [0, 10]], ['s.pcs/', [3, 2]]])
  const b = new Map<string, [number, number]>([['d/', [1, 4]], ['f', [0, 12]], ['s.pcs/', [5, 1]], ['g', [0, 1]]])
  const m = mergeListings([a, null, b])
  t.same(m.get('d/'), { flags: 1, size: 7, nodes: [0, 2] })
  t.same(m.get('f'), { flags: 0, size: 12, nodes: [0, 2] }, 'the later server wins for files')
  t.same(m.get('s.pcs/'), { flags: 7, size: 3, nodes: [0, 2] }, 'series flags from both servers')
  t.same(m.get('g'), { flags: 0, size: 1, nodes: [2] })
  t.equal(FileType.SERIES_COMPLETE, 4)
  // PYME's transient cache quirk: a series directory listed without the directory bit.
  const q = mergeListings([new Map([['s/', [2, 5]]]), new Map([['s/', [1, 2]]])])
  t.same(q.get('s/'), { flags: 3, size: 7, nodes: [0, 1] }, 'the merged flags have the directory bit: sizes summed')
})
