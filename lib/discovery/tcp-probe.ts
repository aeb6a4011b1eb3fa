/**
 * TCP liveness probe, as PYME's name service does before trusting an advertisement
 * (PROTOCOL.md §4.3): connect, shut down, close. A data server must tolerate it.
 */
import { connect } from 'node:net'

/** Outcome of one probe; `reason` says why it failed (`''` on success). */
export interface ProbeResult {
  readonly ok: boolean
  readonly reason: string
}

/**
 * Connects to `address:port`; resolves (never rejects) within about `timeoutMs`, or at once
 * with `reason: 'aborted'` when `signal` aborts.
 */
export function tcpProbe (address: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve({ ok: false, reason: 'aborted' })
      return
    }
    const socket = connect({ host: address, port })
    let settled = false
    const onAbort = (): void => { finish(false, 'aborted') }
    const finish = (ok: boolean, reason: string): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve({ ok, reason })
    }
    signal?.addEventListener('abort', onAbort)
    const timer = setTimeout(() => finish(false, `no answer within ${timeoutMs} ms`), timeoutMs)
    socket.once('connect', () => {
      socket.end()
      finish(true, '')
    })
    socket.once('error', (err: NodeJS.ErrnoException) => finish(false, err.code ?? err.message))
  })
}
