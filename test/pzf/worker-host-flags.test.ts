// Encoder workers start whatever options started their host (`node --input-type=module -e …`,
// `-p`, `--test`), and when they truly cannot start, one WorkerStartError says why, once.
// Each case is a real child process with those options.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import t from 'tap'
import { SeriesReader } from '../../lib/series/series-reader.js'
import { startDataServers } from '../helpers/data-servers.js'

const run = promisify(execFile)
const index = new URL('../../lib/index.ts', import.meta.url).href
const failInWorkers = new URL('fixtures/fail-in-workers.mjs', import.meta.url).href

async function child (args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['--import=@tapjs/typescript/import', ...args], {
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' }, timeout: 120_000
  })
  return JSON.parse(stdout.trim().split('\n').pop() as string) as Record<string, unknown>
}

t.test('node --input-type=module -e: ClusterBackend stores every frame through its workers', async (t) => {
  const [server] = await startDataServers(t, 1)
  const code = `
    import { ClusterBackend } from ${JSON.stringify(index)}
    const backend = new ClusterBackend('flags/eval.pcs', { shape: [64, 48], servers: [${JSON.stringify(server!.url)}], compression: 'huffman' })
    await backend.initialize()
    const frame = new Uint16Array(64 * 48)
    for (let n = 0; n < 30; n++) {
      frame.fill(100 + n)
      if (!backend.storeFrame(n, frame)) await backend.ready()
    }
    const r = await backend.close()
    console.log(JSON.stringify({ frames: r.frames, failed: r.failed.length, complete: r.complete }))`
  const out = await child(['--input-type=module', '--expose-gc', '-e', code])
  t.same(out, { frames: 30, failed: 0, complete: true })
  const reader = await SeriesReader.open(`${server!.root}/flags/eval.pcs`)
  t.teardown(() => reader.close())
  t.equal(reader.frameCount, 30)
  t.equal((await reader.getFrame(29)).data[0], 129, 'the pixels are the ones stored')
})

t.test('node -p: a pool answers from the workers', async (t) => {
  const { stdout } = await run(process.execPath, ['--import=@tapjs/typescript/import', '-p',
    `import(${JSON.stringify(index)}).then(async ({ PzfEncoderPool }) => { const p = new PzfEncoderPool({ size: 1 }); ` +
    'const b = await p.encode(Buffer.from(new Uint8Array(12)), { shape: [3, 4] }, { transfer: true }); await p.close(); console.log("encoded", b.length) }) && ""'],
  { env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' }, timeout: 120_000 })
  t.match(stdout, /encoded \d+/, 'a pooled Buffer given with transfer: true is copied, not refused')
})

t.test('workers that cannot start: one WorkerStartError, given to every task, and storeFrame stops', async (t) => {
  const code = `
    import { PzfEncoderPool, MemoryBackend } from ${JSON.stringify(index)}
    const pool = new PzfEncoderPool({ size: 2 })
    const first = await Promise.allSettled([0, 1, 2].map(() => pool.encode(new Uint16Array(16), { shape: [4, 4] })))
    const errors = first.map((r) => r.reason)
    const later = await pool.encode(new Uint16Array(16), { shape: [4, 4] }).catch((e) => e)
    const backend = new MemoryBackend({ shape: [4, 4], pool })
    await backend.initialize()
    backend.storeFrame(0, new Uint16Array(16))
    await new Promise((resolve) => backend.once('failed', resolve))
    let thrown = null
    try { backend.storeFrame(1, new Uint16Array(16)) } catch (e) { thrown = e }
    pool.destroy()
    console.log(JSON.stringify({
      codes: errors.map((e) => e.code), same: errors.every((e) => e === errors[0]) && later === errors[0],
      message: errors[0].message, thrown: thrown?.code, thrownSame: thrown === errors[0]
    }))`
  const out = await child([`--import=${failInWorkers}`, '--input-type=module', '-e', code])
  t.same(out['codes'], ['PYME_ERR_WORKER_START', 'PYME_ERR_WORKER_START', 'PYME_ERR_WORKER_START'])
  t.equal(out['same'], true, 'one error object for every task, later tasks included')
  t.match(out['message'], /cannot start.*this preload refuses to run in worker threads/)
  t.equal(out['thrown'], 'PYME_ERR_WORKER_START', 'the backend stops taking frames with the same reason')
  t.equal(out['thrownSame'], true)
})
