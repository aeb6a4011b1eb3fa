// A worker thread of the console benchmark that reads a URL the way a client process would
// (its own event loop, so the client's work does not run on the console's), in one GET or in
// Range requests of `chunk` bytes one after the other; answers with the number of bytes read.
import { parentPort } from 'node:worker_threads'
import { request } from 'undici'

/**
 * `chunk` > 0: Range requests of that size over `[0, size)`; 0: one GET of the whole URL; < 0: one
 * Range request of `size` bytes from offset `-chunk` (the URL's `#fragment` is dropped).
 */
interface Job { readonly url: string, readonly size: number, readonly chunk: number, readonly propfind?: boolean, readonly body?: string }

/** A PROPFIND depth 1 (no body: allprop); answers with the number of <D:response> elements. */
async function propfind (url: string, body: string | undefined): Promise<number> {
  const res = await request(url, { method: 'PROPFIND', headers: { Depth: '1', 'Content-Type': 'application/xml' }, body: body ?? null })
  const tag = Buffer.from('<D:response>')
  let count = 0
  let carry: Buffer = Buffer.alloc(0)
  for await (const c of res.body) {
    const buf = carry.length === 0 ? (c as Buffer) : Buffer.concat([carry, c as Buffer])
    let at = buf.indexOf(tag)
    let last = 0
    while (at >= 0) {
      count++
      last = at + tag.length
      at = buf.indexOf(tag, last)
    }
    carry = buf.subarray(Math.max(last, buf.length - tag.length + 1))
  }
  if (res.statusCode !== 207) throw new Error(`PROPFIND ${url}: ${res.statusCode}`)
  return count
}

async function drain (url: string, headers: Record<string, string>): Promise<number> {
  const res = await request(url, { headers })
  let n = 0
  for await (const c of res.body) n += (c as Buffer).length
  if (res.statusCode !== 200 && res.statusCode !== 206) throw new Error(`GET ${url}: ${res.statusCode}`)
  return n
}

parentPort?.on('message', (job: Job) => {
  void (async () => {
    if (job.propfind === true) {
      parentPort?.postMessage({ bytes: await propfind(job.url, job.body) })
      return
    }
    let n = 0
    const url = job.url.replace(/#.*$/, '')
    if (job.chunk < 0) n = await drain(url, { Range: `bytes=${-job.chunk}-${-job.chunk + job.size - 1}` })
    else if (job.chunk === 0) n = await drain(url, {})
    else for (let at = 0; at < job.size; at += job.chunk) n += await drain(url, { Range: `bytes=${at}-${Math.min(job.size, at + job.chunk) - 1}` })
    parentPort?.postMessage({ bytes: n })
  })().catch((err: unknown) => parentPort?.postMessage({ error: String(err) }))
})
