// A worker thread of the console benchmark that reads a URL the way a client process would
// (its own event loop, so the client's work does not run on the console's), in one GET or in
// Range requests of `chunk` bytes one after the other; answers with the number of bytes read.
import { parentPort } from 'node:worker_threads'
import { request } from 'undici'

interface Job { readonly url: string, readonly size: number, readonly chunk: number }

async function drain (url: string, headers: Record<string, string>): Promise<number> {
  const res = await request(url, { headers })
  let n = 0
  for await (const c of res.body) n += (c as Buffer).length
  if (res.statusCode !== 200 && res.statusCode !== 206) throw new Error(`GET ${url}: ${res.statusCode}`)
  return n
}

parentPort?.on('message', (job: Job) => {
  void (async () => {
    let n = 0
    if (job.chunk <= 0) n = await drain(job.url, {})
    else for (let at = 0; at < job.size; at += job.chunk) n += await drain(job.url, { Range: `bytes=${at}-${Math.min(job.size, at + job.chunk) - 1}` })
    parentPort?.postMessage({ bytes: n })
  })().catch((err: unknown) => parentPort?.postMessage({ error: String(err) }))
})
