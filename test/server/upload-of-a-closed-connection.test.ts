// Regression (found by the fault suite, scenario 6: a client SIGKILLed with PUTs pipelined):
// a request whose whole body had been parsed (`complete`) but not yet read by its handler,
// when the connection was reset, is destroyed by node:http with its buffered body. Its 'end'
// never comes, and its 'close' either came before the receiver listened or was ignored
// because the request was `complete`: the temp file stayed on disk and the socket's request
// chain hung forever. Such a request must be refused (nothing stored) and cleaned up.
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { startDataServerForTest } from '../helpers/data-servers.js'
import { WireClient, streamerPut } from './pyme-wire-client.js'
import { nextRequest } from './request-events.js'

t.test('queued PUTs of a connection that closed are refused, leave no temp file, and the server serves on', async (t) => {
  // The delay holds each request before its body is read, as a busy server does.
  const s = await startDataServerForTest(t, { testDelayMs: 150 })
  const c = await WireClient.connect(s.port)
  const outcomes = [0, 1, 2].map((i) => nextRequest((m) => m.url === `/gone/f${i}.bin`))
  const last = Buffer.from('PUT /gone/f2.bin HTTP/1.1\r\nContent-Length: 50000\r\n\r\n')
  await c.write(Buffer.concat([streamerPut('gone/f0.bin', Buffer.alloc(40_000, 1)), streamerPut('gone/f1.bin', Buffer.alloc(40_000, 2)), last, Buffer.alloc(1000, 3)]))
  // A reset, as a killed client's kernel sends when answers were still unread.
  c.socket.resetAndDestroy()
  const settled = await Promise.race([
    Promise.all(outcomes),
    new Promise<'hung'>((resolve) => { setTimeout(() => resolve('hung'), 10_000).unref() })
  ])
  t.not(settled, 'hung', 'every queued request of the closed connection was settled')
  // A body read whole before the reset may be stored (complete); any other is refused.
  const left = await readdir(join(s.root, 'gone')).catch((): string[] => [])
  t.same(left.filter((n) => n.startsWith('.')), [], 'no temp file left')
  for (const name of left) t.equal((await stat(join(s.root, 'gone', name))).size, 40_000, `${name} stored only complete`)
  t.notOk(left.includes('f2.bin'), 'the cut-off body is not stored')
  for (const name of ['f1.bin', 'f2.bin'].filter((n) => !left.includes(n))) {
    const again = await fetch(`${s.url}gone/${name}`, { method: 'PUT', body: 'retried' })
    t.equal(again.status, 200, `the retry of ${name} succeeds`)
    t.equal(await (await fetch(`${s.url}gone/${name}`)).text(), 'retried')
  }
})
