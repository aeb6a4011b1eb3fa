import t from 'tap'
import { startDataServers } from '../helpers/data-servers.js'
import { putBehindClient } from '../cluster/cluster-helpers.js'
import { cli } from './cluster-cli-helpers.js'

t.test('stat: a file, a series, the root; --json; not found', async (t) => {
  const servers = await startDataServers(t, 2)
  const run = cli(t, servers)
  await putBehindClient(servers[0]!, 's/a.txt', 'hello from clusterIO\n')
  await putBehindClient(servers[0]!, 's/x.pcs/metadata.json', '{}')
  await putBehindClient(servers[1]!, 's/x.pcs/events.json', '[]')
  let r = await run(['stat', 's/a.txt'])
  t.equal(r.code, 0)
  t.match(r.out, /^path: +s\/a\.txt\nuri: +PYME-CLUSTER:\/\/clic\/s\/a\.txt\ntype: +file\nflags: +0 \(---\)\nsize: +21 B \(21 bytes\)\nservers: +http:\/\/127\.0\.0\.1:\d+\/\n$/)
  r = await run(['stat', 'PYME-CLUSTER://clic/s/x.pcs'])
  t.match(r.out, /type: +series directory \(complete\)\nflags: +7 \(dsc\)\nsize: +2 entries \(approximate\)\nservers: +http\S+ http\S+\n/)
  t.match(r.out, /uri: +PYME-CLUSTER:\/\/clic\/s\/x\.pcs\/\n/)
  r = await run(['stat', '/'])
  t.match(r.out, /^path: +\/\nuri: +PYME-CLUSTER:\/\/clic\/\ntype: +directory\n/)
  r = await run(['stat', '--json', 's/a.txt'])
  t.match(JSON.parse(r.out), { name: 'a.txt', path: 's/a.txt', isDirectory: false, size: 21, flags: 0 })
  r = await run(['stat', 's/none'])
  t.equal(r.code, 3)
  r = await run(['stat'])
  t.equal(r.code, 2)
})
