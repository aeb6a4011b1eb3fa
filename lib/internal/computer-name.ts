/**
 * The computer name as PYME computes it (PROTOCOL.md §4.1): `PYME_COMPUTERNAME`, else
 * `COMPUTERNAME` on Windows, else the host name cut at its first dot.
 */
import { hostname } from 'node:os'

export function computerName (env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const forced = env['PYME_COMPUTERNAME']
  if (forced !== undefined && forced !== '') return forced
  if (platform === 'win32' && env['COMPUTERNAME'] !== undefined && env['COMPUTERNAME'] !== '') return env['COMPUTERNAME']
  return hostname().split('.')[0] ?? hostname()
}
