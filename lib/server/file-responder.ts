/**
 * GET/HEAD of a regular file (PROTOCOL.md §3.4): `Content-Type` by extension (clients must
 * not rely on it), `Content-Length`, `Last-Modified`. Small files are read whole and sent
 * with their headers in one write; larger ones are streamed from disk (bounded memory).
 * The length comes from fstat of the open descriptor, so the file served is the one measured.
 */
import type { FileHandle } from 'node:fs/promises'
import type { Http1Response } from './http1/http1-response.js'
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
export async function sendFile (res: Http1Response, fh: FileHandle, name: string, size: number, mtime: Date, head: boolean): Promise<void> {
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
  // 1 MiB pieces, each fresh (the socket holds a piece until it is sent), the next read only
  // once the socket has room: bounded memory however slow the client.
  let gone = false
  let wake: (() => void) | undefined
  const onGone = (): void => {
    gone = true
    wake?.()
  }
  const onDrain = (): void => { wake?.() }
  res.on('close', onGone)
  res.on('drain', onDrain)
  try {
    let at = 0
    while (at < size && !gone) {
      const piece = Buffer.allocUnsafe(Math.min(STREAM_PIECE, size - at))
      const { bytesRead } = await fh.read(piece, 0, piece.length, at)
      // The file shrank behind our back: the promised length cannot be kept.
      if (bytesRead === 0) break
      at += bytesRead
      if (!res.write(bytesRead === piece.length ? piece : piece.subarray(0, bytesRead)) && !gone) {
        await new Promise<void>((resolve) => { wake = resolve })
        wake = undefined
      }
    }
    if (at < size) res.destroy()
    else res.end()
  } catch {
    // Headers are out; the only honest signal left is to cut the connection.
    res.destroy()
  } finally {
    res.off('close', onGone)
    res.off('drain', onDrain)
    await fh.close().catch(noop)
  }
}

const STREAM_PIECE = 1 << 20

function noop (): void {}
