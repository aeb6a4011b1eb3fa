/**
 * Test helper: a bare TCP listener on loopback. Discovery only probes (connect + close), so a
 * listening socket is all a data server has to show at this layer; tests that talk HTTP use
 * the real data server.
 */
import { once } from 'node:events'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import type { Test } from 'tap'

export interface Listener {
  readonly port: number
  readonly server: Server
  /** Stops listening (and drops open connections). */
  close (): Promise<void>
  /** Listens again on the same port. */
  reopen (): Promise<void>
}

export async function tcpListener (t: Test, port = 0): Promise<Listener> {
  const sockets = new Set<Socket>()
  const make = (): Server => createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    s.resume()
  })
  let server = make()
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  const bound = (server.address() as AddressInfo).port
  const l: Listener = {
    port: bound,
    get server () { return server },
    async close () {
      if (!server.listening) return
      server.close()
      for (const s of sockets) s.destroy()
      await once(server, 'close')
    },
    async reopen () {
      server = make()
      server.listen(bound, '127.0.0.1')
      await once(server, 'listening')
    }
  }
  t.teardown(() => l.close())
  return l
}
