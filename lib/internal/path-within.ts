import { sep } from 'node:path'

/**
 * True when the real (resolved, normalised) path `real` is `realRoot` or below it. A plain
 * prefix test would admit a sibling (`/data/PYMEx` for `/data/PYME`); the separator rules it out.
 */
export function isWithin (realRoot: string, real: string): boolean {
  return real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)
}
