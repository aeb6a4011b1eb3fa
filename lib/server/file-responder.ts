/**
 * GET/HEAD of a regular file (PROTOCOL.md §3.4): `Content-Type` by extension (clients must
 * not rely on it), `Content-Length`, `Last-Modified`. Small files are read whole and sent
 * with their headers in one write; larger ones are streamed from disk (bounded memory).
 * The length comes from fstat of the open descriptor, so the file served is the one measured.
 */
import { createReadStream } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { extname } from 'node:path'
import { sendBody } from './responses.js'

const TYPES: Readonly<Record<string, string>> = {
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.log': 'text/plain',
  '.html': 'text/html',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.h5': 'application/x-hdf5',
  '.yaml': 'application/yaml',
  '.md': 'text/markdown'
}

/** Files up to this size are read whole and written with the headers in one go. */
export const SMALL_FILE_BYTES = 256 * 1024

export function contentTypeOf (name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * Sends the open file `fh` (size and mtime from its fstat). Takes ownership of `fh`:
 * it is closed when the response is done.
 */
export async function sendFile (res: ServerResponse, fh: FileHandle, name: string, size: number, mtime: Date, head: boolean): Promise<void> {
  const headers = { 'Content-Type': contentTypeOf(name), 'Last-Modified': mtime.toUTCString() }
  if (head || size <= SMALL_FILE_BYTES) {
    let body: Buffer
    try {
      body = head ? Buffer.alloc(0) : Buffer.allocUnsafe(size)
      let filled = 0
      while (!head && filled < size) {
        const { bytesRead } = await fh.read(body, filled, size - filled, filled)
        if (bytesRead === 0) break
        filled += bytesRead
      }
      if (filled < size && !head) body = body.subarray(0, filled)
    } catch (err) {
      void fh.close().catch(noop)
      throw err
    }
    // Answer first; the descriptor is closed off the response's critical path.
    void fh.close().catch(noop)
    if (head) {
      res.statusCode = 200
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
      res.setHeader('Content-Length', size)
      res.end()
    } else {
      sendBody(res, 200, headers, body, false)
    }
    return
  }
  res.statusCode = 200
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
  res.setHeader('Content-Length', size)
  const stream = createReadStream('', { fd: fh, start: 0, end: size - 1, highWaterMark: 1 << 20 })
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('close', done)
      stream.off('error', onError)
      resolve()
    }
    const onError = (): void => {
      // Headers are out; the only honest signal left is to cut the connection.
      res.destroy()
      done()
    }
    stream.on('error', onError)
    res.on('close', () => {
      stream.destroy()
      done()
    })
    stream.on('end', done)
    stream.pipe(res)
  })
}

function noop (): void {}
