// Unit tests of the server's small pure parts: path translation, option validation,
// advertised address choice, Python timedelta text, the LRU map, error mapping.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { InvalidArgumentError } from '../../lib/errors.js'
import { defaultRouteInterface, resolveAdvertiseTarget } from '../../lib/server/advertise-address.js'
import { parseGlobPattern } from '../../lib/server/glob-search.js'
import { HttpFailure, failureForFsError } from '../../lib/server/http-failure.js'
import { encodeSegment, routingPath, translateRequestPath } from '../../lib/server/request-path.js'
import { DEFAULT_PORT, defaultDataRoot, resolveServerOptions } from '../../lib/server/server-options.js'
import { pythonTimedelta } from '../../lib/server/status-report.js'

t.test('translateRequestPath follows PYME (CPython translate_path) and refuses the unsafe', async (t) => {
  const tr = (p: string): [string[], boolean, string] => {
    const r = translateRequestPath(p)
    return [[...r.segments], r.trailingSlash, r.query]
  }
  t.same(tr('/a/b.txt'), [['a', 'b.txt'], false, ''])
  t.same(tr('/a/b/'), [['a', 'b'], true, ''])
  t.same(tr('//a//b/./c/'), [['a', 'b', 'c'], true, ''])
  t.same(tr('/../../etc/passwd'), [['etc', 'passwd'], false, ''])
  t.same(tr('/a/../../b'), [['b'], false, ''])
  t.same(tr('/%2e%2e/x'), [['x'], false, ''])
  t.same(tr('/a%2Fb'), [['a', 'b'], false, ''])
  t.same(tr('/q.txt?x=1&y=2#frag'), [['q.txt'], false, 'x=1&y=2'])
  t.same(tr('/f#frag?no'), [['f'], false, ''])
  t.same(tr('/dir/ '), [['dir', ' '], true, ''], 'trailing white space does not hide the slash')
  t.same(tr('http://host:1/abs/x?q'), [['abs', 'x'], false, 'q'], 'absolute-form target')
  t.same(tr('/'), [[], true, ''])
  t.same(tr('/%C3%A4'), [['ä'], false, ''])
  for (const bad of ['/a%00', '/a%0d', '/a\\b', '/%E0%A4%A', '/%ff']) {
    t.throws(() => translateRequestPath(bad), HttpFailure, bad)
  }
  t.equal(routingPath('///__status'), '__status')
  t.equal(routingPath('http://h:1/__glob?pattern=x'), '__glob?pattern=x')
  t.equal(encodeSegment('a b/ä'), 'a%20b%2F%C3%A4')
})

t.test('glob pattern checks', async (t) => {
  t.same(parseGlobPattern('a//./b/*'), ['a', 'b', '*'])
  t.throws(() => parseGlobPattern(''), HttpFailure)
  t.throws(() => parseGlobPattern('./'), HttpFailure)
  t.throws(() => parseGlobPattern('a\u0000'), HttpFailure)
})

t.test('option validation names the option; defaults follow PYME', async (t) => {
  const o = resolveServerOptions({ env: { PYME_COMPUTERNAME: 'acq1', HOME: '/home/u' } })
  t.equal(o.port, DEFAULT_PORT)
  t.equal(o.cluster, 'acq1')
  t.equal(o.root, '/home/u/PYMEData')
  t.equal(o.host, '127.0.0.1')
  t.equal(o.advertise, 'none')
  t.equal(resolveServerOptions({ advertise: 'mdns' }).host, '0.0.0.0', 'mdns binds all interfaces')
  t.equal(resolveServerOptions({ advertise: 'local' }).host, '127.0.0.1')
  const dir = await mkdtemp(join(tmpdir(), 'pyme-datadir-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  t.equal(defaultDataRoot({ PYMEDATADIR: dir }), dir, '$PYMEDATADIR when writable')
  t.equal(defaultDataRoot({ PYMEDATADIR: join(dir, 'missing'), HOME: '/h' }), '/h/PYMEData')
  const bad: Array<[object, RegExp]> = [
    [{ port: -1 }, /invalid port/],
    [{ port: 1.5 }, /invalid port/],
    [{ advertise: 'zeroconf' }, /invalid advertise/],
    [{ cluster: 'a.b' }, /invalid cluster/],
    [{ cluster: 'a[b' }, /invalid cluster/],
    [{ host: 'not an ip' }, /invalid host/],
    [{ root: '' }, /invalid root/],
    [{ readOnly: 'yes' }, /invalid readOnly/],
    [{ maxBodyBytes: -5 }, /invalid maxBodyBytes/],
    [{ testDelayMs: 'x' }, /invalid testDelayMs/],
    [{ closeTimeoutMs: -1 }, /invalid closeTimeoutMs/]
  ]
  for (const [opts, re] of bad) t.throws(() => resolveServerOptions(opts as never), { name: 'InvalidArgumentError', message: re })
  t.throws(() => resolveServerOptions(null as never), InvalidArgumentError)
})

t.test('the announced address is a real interface address, never 127.0.1.1 to the LAN', async (t) => {
  const ifaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: '127.0.0.1/8' }],
    eth0: [{ address: '198.18.0.2', family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '02:00:00:00:00:01', cidr: '198.18.0.2/24' }],
    eth1: [{ address: '198.19.5.7', family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '02:00:00:00:00:02', cidr: '198.19.5.7/24' }]
  } as never
  const route = 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nlo\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\neth1\t00000000\t010013C6\t0003\t0\t0\t0\t00000000\n'
  t.equal(defaultRouteInterface(route), 'eth1')
  t.equal(defaultRouteInterface('Iface\n'), undefined)
  t.same(resolveAdvertiseTarget({}, ifaces, route), { address: '198.19.5.7', interfaceAddress: '198.19.5.7' }, 'default route')
  t.same(resolveAdvertiseTarget({}, ifaces, 'Iface\n'), { address: '198.18.0.2', interfaceAddress: '198.18.0.2' }, 'first non-internal')
  t.same(resolveAdvertiseTarget({ interface: 'eth0' }, ifaces, route), { address: '198.18.0.2', interfaceAddress: '198.18.0.2' })
  t.same(resolveAdvertiseTarget({ interface: '198.18.0.2' }, ifaces, route), { address: '198.18.0.2', interfaceAddress: '198.18.0.2' })
  t.same(resolveAdvertiseTarget({ interface: 'lo' }, ifaces, route), { address: '127.0.0.1', interfaceAddress: '127.0.0.1' })
  t.same(resolveAdvertiseTarget({ interface: 'eth0', advertiseAddress: '198.18.9.9' }, ifaces, route), { address: '198.18.9.9', interfaceAddress: '198.18.0.2' })
  t.same(resolveAdvertiseTarget({ advertiseAddress: '198.19.5.7' }, ifaces, route), { address: '198.19.5.7', interfaceAddress: '198.19.5.7' })
  t.same(resolveAdvertiseTarget({ advertiseAddress: '10.1.1.1' }, ifaces, route), { address: '10.1.1.1', interfaceAddress: '0.0.0.0' })
  t.same(resolveAdvertiseTarget({ host: '198.18.0.2' }, ifaces, route), { address: '198.18.0.2', interfaceAddress: '198.18.0.2' })
  t.same(resolveAdvertiseTarget({}, { lo: (ifaces as Record<string, unknown>)['lo'] } as never, 'Iface\n'), { address: '127.0.0.1', interfaceAddress: '127.0.0.1' })
  t.throws(() => resolveAdvertiseTarget({ interface: 'wlan9' }, ifaces, route), { name: 'InvalidArgumentError', message: /invalid interface/ })
  t.throws(() => resolveAdvertiseTarget({ interface: 'eth0', advertiseAddress: '127.0.1.1' }, ifaces, route), { message: /loopback address is unusable/ })
  t.throws(() => resolveAdvertiseTarget({ advertiseAddress: 'fe80::1' }, ifaces, route), { message: /invalid advertiseAddress/ })
  t.type(resolveAdvertiseTarget({}).address, 'string', 'the real machine has an answer too')
})

t.test('Python timedelta text for Uptime', async (t) => {
  t.equal(pythonTimedelta(7250.001), '0:00:07.250001')
  t.equal(pythonTimedelta(0), '0:00:00')
  t.equal(pythonTimedelta(3_723_000), '1:02:03')
  t.equal(pythonTimedelta(86_400_000), '1 day, 0:00:00')
  t.equal(pythonTimedelta(2 * 86_400_000 + 3 * 3_600_000 + 4 * 60_000 + 5123.456), '2 days, 3:04:05.123456')
})

t.test('file-system errors map to clear statuses without paths', async (t) => {
  const st = (code: string): number => failureForFsError(Object.assign(new Error('x /secret/path'), { code })).status
  t.same(['ENOENT', 'ENOTDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENAMETOOLONG', 'EISDIR', 'EIO'].map(st),
    [404, 409, 405, 403, 403, 403, 507, 507, 414, 405, 500])
  t.notMatch(failureForFsError(Object.assign(new Error('/secret/path'), { code: 'EIO' })).reason, /secret/)
  const decided = new HttpFailure(409, 'Parent is not a directory')
  t.equal(failureForFsError(decided), decided, 'a failure already decided is kept, not turned into a 500')
})
