// Committed files get exactly mode 0440 whatever the umask: with a umask that leaves those
// bits alone a temp file is created 0440 (no fchmod); with one that would strip them (077)
// it is created 0600 and fchmod'ed. The server reads the umask once, at its first upload, so
// this file (its own process) sets a stripping umask before anything is uploaded.
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { startDataServerForTest } from '../helpers/data-servers.js'

const previous = process.umask(0o077)
t.teardown(() => { process.umask(previous) })

t.test('umask 077: committed files are still 0440, small and streamed, in every commit mode', async (t) => {
  for (const syncCommit of [true, false]) {
    const s = await startDataServerForTest(t, { syncCommit })
    for (const [name, size] of [['small.bin', 1000], ['large.bin', 3 << 20]] as const) {
      t.equal((await fetch(`${s.url}u/${name}`, { method: 'PUT', body: Buffer.alloc(size, 3) })).status, 200)
      const st = await stat(join(s.root, 'u', name))
      t.equal(st.mode & 0o777, 0o440, `${syncCommit}: ${name}`)
      t.equal(st.size, size)
    }
  }
})
