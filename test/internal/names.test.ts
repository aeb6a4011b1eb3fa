import t from 'tap'
import { computerName } from '../../lib/internal/computer-name.js'
import { clusterOfInstance, matchesCluster, serviceInstanceName, validateClusterName } from '../../lib/internal/service-name.js'
import { encodeClusterPath, joinClusterPath, parseReadPath, parseWritePath, splitClusterPath } from '../../lib/internal/cluster-path.js'
import { pythonTempDir } from '../../lib/internal/python-tempdir.js'

t.test('computer name as PYME computes it', async (t) => {
  t.equal(computerName({ PYME_COMPUTERNAME: 'forced' }), 'forced')
  t.equal(computerName({ COMPUTERNAME: 'WINBOX' }, 'win32'), 'WINBOX')
  t.notMatch(computerName({}, 'linux'), /\./)
})

t.test('instance names: PYME format and 63-character cut', async (t) => {
  t.same(serviceInstanceName('TES1', 'acq-pc', 48168), { name: 'PYMEDataServer [TES1]:acq-pc - PID:48168', truncated: false })
  const long = serviceInstanceName('lab-cluster', 'an-even-longer-computer-name-for-testing', 1234567)
  t.equal([...long.name].length, 63)
  t.ok(long.name.startsWith('PYMEDataServer [lab-cluster]:an-even'))
  t.ok(long.name.endsWith('PID:1234567'))
  t.equal(long.truncated, false, 'only the computer name was cut')
  const lostBracket = serviceInstanceName('a-very-long-cluster-name-for-testing', 'h', 1234567)
  t.equal(lostBracket.truncated, true, 'the closing bracket was cut')
  const cut = serviceInstanceName('c'.repeat(60), 'h', 1)
  t.equal(cut.truncated, true)
  t.equal([...cut.name].length, 63)
  t.equal(serviceInstanceName('', 'acq', 5).name, 'PYMEDataServer []:acq - PID:5')
})

t.test('cluster selection: exact by default, PYME substring on request', async (t) => {
  const n = 'PYMEDataServer [TES1]:acq-pc - PID:1'
  t.equal(clusterOfInstance(n), 'TES1')
  t.equal(clusterOfInstance('something else'), undefined)
  t.ok(matchesCluster(n, 'TES1'))
  t.notOk(matchesCluster(n, 'TES'))
  t.ok(matchesCluster(n, 'TES', 'substring'))
  t.ok(matchesCluster(n, 'acq-pc', 'substring'), 'the computer name matches as a substring, as in PYME')
  t.ok(matchesCluster(n, '', 'substring'))
  t.notOk(matchesCluster(n, ''))
  t.ok(matchesCluster('PYMEDataServer []:x - PID:1', ''))
  t.throws(() => validateClusterName('a.b'), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => validateClusterName('a[b'), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => validateClusterName('a\nb'), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => validateClusterName(5 as unknown as string), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.equal(validateClusterName('lab-1_x'), 'lab-1_x')
})

t.test('write paths: PYME\'s character set, no loophole, no dot components', async (t) => {
  t.same(parseWritePath('/user/s.pcs/frame00000.pzf'), { path: 'user/s.pcs/frame00000.pzf', isDirectory: false })
  t.same(parseWritePath('newdir/'), { path: 'newdir', isDirectory: true })
  t.same(parseWritePath('Ünïcode/日本/٣'), { path: 'Ünïcode/日本/٣', isDirectory: false })
  for (const bad of ['a b', 'a%20b', 'a\n', 'x:y', 'a?b', 'a\\b', '', '/', 'a//b', 'a/../b', './a', 'a/.', '..']) {
    t.throws(() => parseWritePath(bad), { code: 'PYME_ERR_INVALID_NAME' }, JSON.stringify(bad))
  }
  t.throws(() => parseWritePath(1 as unknown as string), { code: 'PYME_ERR_INVALID_NAME' })
})

t.test('read paths: lenient characters, same structure rules', async (t) => {
  t.same(parseReadPath(''), { path: '', isDirectory: true })
  t.same(parseReadPath('/'), { path: '', isDirectory: true })
  t.same(parseReadPath('a b/c'), { path: 'a b/c', isDirectory: false })
  t.same(parseReadPath('dir/'), { path: 'dir', isDirectory: true })
  for (const bad of ['a\u0000b', 'a/../b', 'a//b', 'x\r\n']) {
    t.throws(() => parseReadPath(bad), { code: 'PYME_ERR_INVALID_NAME' }, JSON.stringify(bad))
  }
  t.throws(() => parseReadPath(null as unknown as string), { code: 'PYME_ERR_INVALID_NAME' })
})

t.test('join, split and encode', async (t) => {
  t.equal(joinClusterPath('/a/', 'b', '', 'c/'), 'a/b/c')
  t.same(splitClusterPath('a/b/c'), ['a/b', 'c'])
  t.same(splitClusterPath('c'), ['', 'c'])
  t.equal(encodeClusterPath('user/s.pcs/frame-1_x.pzf'), 'user/s.pcs/frame-1_x.pzf')
  t.equal(encodeClusterPath('a b/é'), 'a%20b/%C3%A9')
})

t.test('python tempdir falls back like tempfile.gettempdir', async (t) => {
  t.equal(pythonTempDir({ TMPDIR: '/definitely/not/here', TEMP: '/tmp' }), '/tmp')
  t.equal(pythonTempDir({ TMPDIR: '/proc/self/nonexistent' }, '/'), '/tmp')
})
