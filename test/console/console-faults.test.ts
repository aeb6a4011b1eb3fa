/**
 * The console when a data server vanishes or hangs mid-request: a clean error (502/504 before
 * the headers, a cut connection after them), never a hang, and the console keeps serving what
 * the other servers hold. Also: tokens on other addresses, the Host check on loopback, and many
 * concurrent TIFF readers.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { startConsole } from '../../lib/console/console-server.js'
import { InvalidArgumentError, ServerError } from '../../lib/errors.js'
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js'
import { connect, fetchRaw, frame, H, servers, startTestConsole, W, writeSeries } from './console-helpers.js'

const FB = W * H * 2

async function dataOffsetOf (url: string): Promise<number> {
  const head = (await fetchRaw(url, { headers: { Range: 'bytes=0-4095' } })).body
  return head.readUInt32LE(head.readUInt32LE(4) + 2 + 12 * 7 + 8)
}

t.test('a data server that hangs, then vanishes', async (t) => {
  const procs: ServerProcess[] = []
  t.teardown(async () => { await Promise.all(procs.map(async (p) => { p.kill('SIGCONT'); await p.stop() })) })
  for (let i = 0; i < 2; i++) procs.push(await startServerProcess())
  const [a, b] = procs as [ServerProcess, ServerProcess]
  // Chunked distribution: runs of 50 frames share a server, though a frame may be re-routed
  // when its server is busy, so where each frame is comes from the disks.
  await writeSeries([a.url, b.url], 'gone/s.pcs', 120)
  const on = (p: ServerProcess, f: number): boolean => existsSync(join(p.root, 'gone/s.pcs', `frame${String(f).padStart(5, '0')}.pzf`))
  const only = (p: ServerProcess, q: ServerProcess): number[] => Array.from({ length: 120 }, (_, f) => f).filter((f) => on(p, f) && !on(q, f))
  const aFrames = only(a, b)
  const bFrames = only(b, a)
  t.ok(aFrames.length >= 20 && bFrames.length >= 20, `${aFrames.length} frames only on one server, ${bFrames.length} only on the other`)
  const onA = aFrames[0] as number
  const aFrame = (k: number): number => aFrames[k] as number
  const bFrame = (k: number): number => bFrames[k] as number
  const cluster = await connect(t, [a.url, b.url], {
    localBypass: false, fileCacheEntries: 0, getTimeoutMs: 1500, getRetries: 1, listTimeoutMs: 1500, statusTimeoutMs: 1000, retryDelayMs: 50
  })
  const c = await startTestConsole(t, cluster, { frameCacheBytes: 0 })
  const tif = `${c.url}dav/gone/s.pcs.tif`
  const offset = await dataOffsetOf(tif)
  const range = (f: number): Record<string, string> => ({ Range: `bytes=${offset + f * FB}-${offset + (f + 1) * FB - 1}` })
  t.same((await fetchRaw(tif, { headers: range(bFrame(1)) })).body, Buffer.from(frame(bFrame(1)).buffer), 'both servers answer')

  b.kill('SIGSTOP')
  const hung = await fetchRaw(tif, { headers: range(bFrame(2)) })
  t.equal(hung.status, 504, 'a frame on a server that does not answer: 504 before any header, not a hang')
  t.match(hung.body.toString(), /PYME_ERR_TIMEOUT/)
  t.same((await fetchRaw(tif, { headers: range(aFrame(10)) })).body, Buffer.from(frame(aFrame(10)).buffer), 'frames on the other server still served')

  // From a's first frame to the end: the headers go out, the body stops where b's frames begin.
  const res = await request(tif, { headers: { Range: `bytes=${offset + onA * FB}-` } })
  t.equal(res.statusCode, 206)
  const length = Number(res.headers['content-length'])
  let got = 0
  const cut = await (async () => {
    try {
      for await (const chunk of res.body) got += (chunk as Buffer).length
      return null
    } catch (err) {
      return err as Error
    }
  })()
  t.ok(cut !== null || got < length, `the body is cut short (${got} of ${length} bytes), never completed with wrong bytes`)
  const firstOnB = bFrames.find((f) => f > onA) ?? 120
  t.ok(got <= (firstOnB - onA) * FB, `nothing past frame ${firstOnB - 1}, the last that could be read`)

  b.kill('SIGCONT')
  b.kill('SIGKILL')
  await new Promise((resolve) => b.child.once('exit', resolve))
  // The last of b's frames: far from any read still under way when b stopped.
  const refused = await fetchRaw(tif, { headers: range(bFrames.at(-1) as number) })
  t.ok(refused.status === 502 || refused.status === 504, `a frame on a vanished server: ${refused.status} ${refused.body.subarray(0, 300).toString()}, never a page of zeros`)
  t.same((await fetchRaw(tif, { headers: range(aFrame(1)) })).body, Buffer.from(frame(aFrame(1)).buffer), 'the rest still served')
  const list = await fetchRaw(`${c.url}api/list?path=gone/s.pcs`)
  t.equal(list.status, 200, 'listings go on without it')
  t.ok((JSON.parse(list.body.toString()) as { unreachable: unknown[] }).unreachable.length <= 1)
  const nodes = JSON.parse((await fetchRaw(`${c.url}api/nodes`)).body.toString()) as { nodes: Array<{ url: string, responsive: boolean }> }
  t.ok(nodes.nodes.every((n) => n.url !== b.url || !n.responsive), 'the node list shows it down (or gone)')
  t.equal((await fetchRaw(`${c.url}api/cluster`)).status, 200, 'the console still serves')
})

t.test('many readers at once: bounded decoding, every answer right', async (t) => {
  const nodes = await servers(t, 1)
  await writeSeries([nodes[0]!.url], 'many/s.pcs', 40)
  const cluster = await connect(t, [nodes[0]!.url])
  const c = await startTestConsole(t, cluster, { decodeThreads: 1, maxDecodes: 2, frameCacheBytes: 0 })
  const tif = `${c.url}dav/many/s.pcs.tif`
  const offset = await dataOffsetOf(tif)
  const answers = await Promise.all(Array.from({ length: 40 }, async (_, f) =>
    await fetchRaw(tif, { headers: { Range: `bytes=${offset + f * FB}-${offset + (f + 1) * FB - 1}` } })))
  answers.forEach((r, f) => t.same(r.body, Buffer.from(frame(f).buffer), `reader ${f}`))
})

t.test('access: token required off loopback, Host names checked on loopback', async (t) => {
  const nodes = await servers(t, 1)
  const cluster = await connect(t, [nodes[0]!.url])
  const open = await startTestConsole(t, cluster, { host: '0.0.0.0' })
  t.match(open.token, /^[A-Za-z0-9_-]{32}$/, 'a token is generated for a non-loopback address')
  const url = `http://127.0.0.1:${open.port}/`
  t.equal((await fetchRaw(`${url}api/cluster`)).status, 401)
  t.match((await fetchRaw(`${url}dav/`, { method: 'PROPFIND', headers: { Depth: '0' } })).headers['www-authenticate'], /Basic realm=/)
  t.equal((await fetchRaw(`${url}api/cluster`, { headers: { Authorization: `Bearer ${open.token ?? ''}` } })).status, 200)
  t.equal((await fetchRaw(`${url}dav/`, { method: 'PROPFIND', headers: { Depth: '0', Authorization: `Basic ${Buffer.from(`me:${open.token ?? ''}`).toString('base64')}` } })).status, 207)
  t.equal((await fetchRaw(`${url}api/cluster`, { headers: { Authorization: 'Bearer wrong-token' } })).status, 401)

  const given = await startTestConsole(t, cluster, { token: 'a-given-token' })
  t.equal(given.token, 'a-given-token', 'a token on loopback is honoured too')
  t.equal((await fetchRaw(`${given.url}api/cluster`)).status, 401)

  const local = await startTestConsole(t, cluster)
  t.equal(local.token, null)
  t.equal((await fetchRaw(`${local.url}api/cluster`)).status, 200)
  t.equal((await fetchRaw(`${local.url}api/cluster`, { headers: { Host: 'evil.example' } })).status, 403, 'a rebound DNS name is refused')
  t.equal((await fetchRaw(`http://localhost:${local.port}/api/cluster`)).status, 200)

  await t.rejects(startConsole({ cluster, port: local.port }), ServerError, 'a port in use is a ServerError')
  await t.rejects(startConsole({ cluster, token: 'short' }), InvalidArgumentError)
  await t.rejects(startConsole({ cluster, port: 70000 }), InvalidArgumentError)
  await t.rejects(startConsole(null as never), InvalidArgumentError)
})
