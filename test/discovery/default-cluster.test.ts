import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { pymeConfigFiles, resolveDefaultCluster } from '../../lib/discovery/default-cluster.js'

t.test('precedence: option, PYME_CLUSTER, config files (later wins), computer name', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-cfg-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const user = join(dir, 'user.yaml')
  const site = join(dir, 'site.yaml')
  const env = { PYME_COMPUTERNAME: 'acqpc' }
  t.equal(resolveDefaultCluster({ env, configFiles: [user, site] }), 'acqpc', 'no config: the computer name')
  await writeFile(user, 'dataserver-root: /data\ndataserver-filter: userfilter\n')
  t.equal(resolveDefaultCluster({ env, configFiles: [user, site] }), 'userfilter')
  await writeFile(site, 'dataserver-filter: sitefilter\n')
  t.equal(resolveDefaultCluster({ env, configFiles: [user, site] }), 'sitefilter', 'the installation-wide file wins, as in PYME')
  await writeFile(site, 'other: 1\n')
  t.equal(resolveDefaultCluster({ env, configFiles: [user, site] }), 'userfilter', 'a file without the key does not override')
  await writeFile(site, "dataserver-filter: ''\n")
  t.equal(resolveDefaultCluster({ env, configFiles: [user, site] }), '', "an empty filter is PYME's 'every cluster'")
  t.equal(resolveDefaultCluster({ env: { ...env, PYME_CLUSTER: 'envc' }, configFiles: [user, site] }), 'envc')
  t.equal(resolveDefaultCluster({ cluster: 'opt', env: { ...env, PYME_CLUSTER: 'envc' }, configFiles: [user] }), 'opt')
  await writeFile(site, '- just\n- a list\n')
  t.equal(resolveDefaultCluster({ env, configFiles: [user, site] }), 'userfilter', 'a YAML document that is not a map is ignored')
})

t.test('HOME decides where ~/.PYME is', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-home-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await mkdir(join(dir, '.PYME'))
  await writeFile(join(dir, '.PYME', 'config.yaml'), 'dataserver-filter: fromhome\n')
  t.same(pymeConfigFiles({ HOME: dir }), [join(dir, '.PYME', 'config.yaml'), '/etc/PYME/config.yaml'])
  t.equal(resolveDefaultCluster({ env: { HOME: dir } }), 'fromhome')
  t.ok(pymeConfigFiles({})[0]?.endsWith(join('.PYME', 'config.yaml')))
})

t.test('bad configuration is refused with the file named', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pyme-cfg-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const f = join(dir, 'c.yaml')
  await writeFile(f, 'dataserver-filter: [unclosed\n')
  t.throws(() => resolveDefaultCluster({ env: {}, configFiles: [f] }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /c\.yaml/ })
  await writeFile(f, 'dataserver-filter: 12\n')
  t.throws(() => resolveDefaultCluster({ env: {}, configFiles: [f] }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /must be a string/ })
  await writeFile(f, 'dataserver-filter: a.b\n')
  t.throws(() => resolveDefaultCluster({ env: {}, configFiles: [f] }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /dataserver-filter/ })
  t.throws(() => resolveDefaultCluster({ env: {}, configFiles: [dir] }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /cannot read/ })
  t.throws(() => resolveDefaultCluster({ cluster: 'x]' }), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => resolveDefaultCluster({ env: { PYME_CLUSTER: 'a.b' } }), { message: /PYME_CLUSTER/ })
  t.equal(resolveDefaultCluster({ env: { PYME_CLUSTER: '', PYME_COMPUTERNAME: 'pc' }, configFiles: [join(dir, 'none', 'c.yaml')] }), 'pc')
})
