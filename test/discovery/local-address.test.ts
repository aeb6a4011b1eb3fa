import { networkInterfaces } from 'node:os'
import t from 'tap'
import { interfaceAddress, isLocalAddress } from '../../lib/discovery/local-address.js'

t.test('loopback, this machine\'s interface addresses, and others', async (t) => {
  for (const a of ['127.0.0.1', '127.3.2.1', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) t.ok(isLocalAddress(a), a)
  const own = Object.values(networkInterfaces()).flat().find((i) => i !== undefined && !i.internal)
  if (own !== undefined) t.ok(isLocalAddress(own.address), `own interface address ${own.address}`)
  t.notOk(isLocalAddress('198.51.100.7'), 'a documentation address is not ours')
  t.notOk(isLocalAddress('example.org'))
})

t.test('interface names resolve to their IPv4 address', async (t) => {
  t.equal(interfaceAddress('lo'), '127.0.0.1')
  t.equal(interfaceAddress('10.1.2.3'), '10.1.2.3', 'an address is taken as given')
  t.equal(interfaceAddress('no-such-if0'), undefined)
})
