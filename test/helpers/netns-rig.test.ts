import { once } from 'node:events'
import t from 'tap'
import { createRig, netnsUnavailableReason, sweepStaleRigs } from './netns-rig.js'

const reason = netnsUnavailableReason()

t.test('hosts in separate namespaces talk over the bridge, and the rig cleans up', { skip: reason ?? false }, async (t) => {
  sweepStaleRigs()
  const rig = createRig({ hosts: 2 })
  t.teardown(() => rig.destroy())
  const [a, b] = rig.hosts
  if (a === undefined || b === undefined) throw new Error('rig has two hosts')
  t.match(a.address, /^198\.18\.0\.\d+$/)
  t.match(a.exec('ip', ['-o', 'addr', 'show', 'dev', a.iface]), new RegExp(a.address.replace(/\./g, '\\.')))

  const server = a.spawn(process.execPath, ['-e', `
    const s = require('node:net').createServer((c) => c.end('hello from ' + process.argv[1]))
    s.listen(7070, '${a.address}', () => console.log('ready'))
  `, a.netns], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { server.kill('SIGKILL') })
  await once(server.stdout!, 'data')

  const client = `
    const c = require('node:net').connect(7070, '${a.address}')
    let d = ''; c.on('data', (x) => { d += x }); c.on('end', () => console.log(d))
    c.on('error', (e) => { console.log('ERR ' + e.code); })
    setTimeout(() => { console.log('TIMEOUT'); process.exit(0) }, 1500).unref()
  `
  t.equal(b.exec(process.execPath, ['-e', client]).trim(), `hello from ${a.netns}`)

  b.linkDown()
  t.match(b.exec(process.execPath, ['-e', client]).trim(), /^(TIMEOUT|ERR )/, 'no route while the link is down')
  b.linkUp()
  t.equal(b.exec(process.execPath, ['-e', client]).trim(), `hello from ${a.netns}`, 'back after link up')

  rig.destroy()
  rig.destroy()
  const { execFileSync } = await import('node:child_process')
  t.notMatch(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }), new RegExp(rig.id), 'namespaces removed')
})
