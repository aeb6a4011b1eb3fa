/**
 * Reads one request body into a Writable (or nowhere), without ever holding it whole in
 * memory, and always to its end, so that the connection stays in step for the next
 * pipelined request (PROTOCOL.md §3.1: PYME reads bodies before deciding, too).
 *
 *   req ──▶ [gunzip, when Content-Encoding: gzip] ──▶ size limit ──▶ sink (file) | discard
 *
 * Failures (bad gzip 400, too large 413, sink error → caller's mapping) stop the writing
 * but not the reading: the rest of the body is read and dropped, then the outcome is
 * reported. The only exception is a body without a length that grows past the limit: it
 * cannot be drained, so the outcome asks to close the connection.
 *
 * A client that goes away (or half-closes, or breaks the chunked framing) before the whole body
 * was read rejects with `UploadAbortedError` (also when the request was aborted before this
 * receiver listened): the caller must not commit anything (PROTOCOL.md §3.6 MUST, truncated
 * uploads).
 */
import type { Http1Request } from './http1/http1-request.js'
import { createGunzip, type Gunzip } from 'node:zlib'
import { HttpFailure, failureForFsError } from './http-failure.js'

/** The client closed the connection before the whole body arrived. */
export class UploadAbortedError extends Error {
  constructor () {
    super('client went away before the whole request body arrived')
    this.name = 'UploadAbortedError'
  }
}

export interface BodyLimits {
  /** Largest body accepted, in bytes, after gzip decoding (and before it). */
  readonly maxBytes: number
  /** Inflate a `Content-Encoding: gzip` body. */
  readonly gzip: boolean
}

/**
 * Where a body goes: the part of a Writable that `receiveBody` uses, so that a sink needs no
 * stream machinery per piece. `write` returning false pauses the body until 'drain'; an
 * 'error' stops the writing (the body is still read to its end).
 */
export interface BodySink {
  write (chunk: Buffer): boolean
  end (cb: (err?: Error | null) => void): void
  once (event: 'drain', listener: () => void): unknown
  on (event: 'error', listener: (err: unknown) => void): unknown
  off (event: 'error', listener: (err: unknown) => void): unknown
}

/** Outcome: the number of (decoded) bytes written, or the failure to answer with. */
export type BodyOutcome =
  | { readonly ok: true, readonly bytes: number }
  | { readonly ok: false, readonly failure: HttpFailure }

/** True when the request says its body is gzip-encoded. Other encodings are refused (415). */
export function bodyIsGzip (req: Http1Request): boolean {
  const enc = req.headers['content-encoding']
  if (enc === undefined || enc === '' || enc.toLowerCase() === 'identity') return false
  if (enc.toLowerCase() === 'gzip' || enc.toLowerCase() === 'x-gzip') return true
  throw new HttpFailure(415, 'Unsupported Content-Encoding')
}

/**
 * Streams the body of `req` into `sink` (ended on success, left to the caller on failure)
 * or discards it when `sink` is undefined. A Writable is a BodySink too.
 */
export function receiveBody (req: Http1Request, sink: BodySink | undefined, limits: BodyLimits): Promise<BodyOutcome> {
  return new Promise((resolve, reject) => {
    let failure: HttpFailure | undefined
    let decoded = 0
    let raw = 0
    let settled = false
    let ended = false
    let awaitingSinkDrain = false
    let awaitingInflateDrain = false
    const inflate: Gunzip | undefined = limits.gzip ? createGunzip() : undefined

    const settle = (outcome: BodyOutcome | Error): void => {
      if (settled) return
      settled = true
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onClose)
      req.off('error', onClose)
      sink?.off('error', onSinkError)
      // Keep draining whatever is left so that the next request on the socket can be read.
      if (!(outcome instanceof Error) && !outcome.ok && !outcome.failure.closeConnection) req.resume()
      if (outcome instanceof Error) reject(outcome)
      else resolve(outcome)
    }

    const fail = (f: HttpFailure): void => {
      if (failure !== undefined) return
      failure = f
      if (inflate !== undefined) {
        inflate.removeAllListeners('data')
        inflate.on('error', noop)
        inflate.destroy()
      }
      // Once the body has been read completely, nothing else will report the failure.
      if (f.closeConnection || ended) settle({ ok: false, failure: f })
      else req.resume()
    }

    const resumeSource = (): void => {
      awaitingSinkDrain = false
      if (failure !== undefined) return
      if (inflate !== undefined) inflate.resume()
      else req.resume()
    }

    const deliver = (chunk: Buffer): void => {
      if (failure !== undefined) return
      decoded += chunk.length
      if (decoded > limits.maxBytes) {
        fail(new HttpFailure(413, 'Payload Too Large'))
        return
      }
      if (sink !== undefined && !sink.write(chunk) && !awaitingSinkDrain) {
        awaitingSinkDrain = true
        if (inflate !== undefined) inflate.pause()
        else req.pause()
        sink.once('drain', resumeSource)
      }
    }

    const onData = (chunk: Buffer): void => {
      raw += chunk.length
      if (raw > limits.maxBytes && failure === undefined) {
        // Only reachable without Content-Length (chunked): the length was checked up front.
        fail(new HttpFailure(413, 'Payload Too Large', true))
        return
      }
      if (failure !== undefined) return
      if (inflate === undefined) {
        deliver(chunk)
      } else if (!inflate.write(chunk) && !awaitingInflateDrain) {
        awaitingInflateDrain = true
        req.pause()
        inflate.once('drain', () => {
          awaitingInflateDrain = false
          if (failure === undefined) req.resume()
        })
      }
    }

    const finishSink = (): void => {
      if (failure !== undefined) {
        settle({ ok: false, failure })
        return
      }
      if (sink === undefined) {
        settle({ ok: true, bytes: decoded })
        return
      }
      sink.end((err?: Error | null) => {
        if (err !== undefined && err !== null) fail(failureForFsError(err))
        if (failure !== undefined) settle({ ok: false, failure })
        else settle({ ok: true, bytes: decoded })
      })
    }

    const onEnd = (): void => {
      ended = true
      if (inflate === undefined || failure !== undefined) {
        finishSink()
        return
      }
      inflate.once('end', finishSink)
      inflate.end()
    }

    const onClose = (): void => {
      // Not `req.complete`: a body parsed whole but still kept unread when the connection was
      // reset is discarded by the connection, and its 'end' never comes either.
      if (!ended && !req.readableEnded) {
        inflate?.destroy()
        settle(new UploadAbortedError())
      }
    }

    const onSinkError = (err: unknown): void => {
      fail(failureForFsError(err))
    }

    if (inflate !== undefined) {
      inflate.on('data', deliver)
      inflate.on('error', () => { fail(new HttpFailure(400, 'Invalid gzip body')) })
    }
    sink?.on('error', onSinkError)
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('close', onClose)
    req.on('error', onClose)
    // Aborted while waiting its turn on the connection: its 'close' has already been emitted.
    if (req.destroyed) onClose()
  })
}

function noop (): void {}
