/**
 * Which cluster a client talks to when none is named (PROTOCOL.md §5.1):
 *
 *   option  →  $PYME_CLUSTER  →  PYME's config `dataserver-filter`  →  computer name
 *
 * PYME reads `config.yaml` from `~/.PYME/`, then `/etc/PYME/` (then `<sys.prefix>/etc/PYME/`,
 * which only a Python process knows), each later file overriding earlier keys; we read the
 * first two in that order so a site-wide setting wins as it does in PYME.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { InvalidArgumentError } from '../errors.js'
import { computerName } from '../internal/computer-name.js'
import { validateClusterName } from '../internal/service-name.js'

/** Options of `resolveDefaultCluster`. */
export interface DefaultClusterOptions {
  /** An explicit cluster name; wins over everything else. */
  readonly cluster?: string
  /** Environment to read `PYME_CLUSTER`, `HOME` and `PYME_COMPUTERNAME` from. @default process.env */
  readonly env?: NodeJS.ProcessEnv
  /**
   * PYME config files to read, in order (later files win).
   * @default ['<HOME>/.PYME/config.yaml', '/etc/PYME/config.yaml']
   */
  readonly configFiles?: readonly string[]
}

/** The config files PYME would read, for this environment. */
export function pymeConfigFiles (env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const home = env['HOME'] !== undefined && env['HOME'] !== '' ? env['HOME'] : homedir()
  return [join(home, '.PYME', 'config.yaml'), '/etc/PYME/config.yaml']
}

function readFilter (file: string): string | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined
    throw new InvalidArgumentError(`cannot read PYME config ${file}: ${(err as Error).message}`, { cause: err })
  }
  let doc: unknown
  try {
    doc = parse(text)
  } catch (err) {
    throw new InvalidArgumentError(`PYME config ${file} is not valid YAML: ${(err as Error).message}`, { cause: err })
  }
  if (doc === null || typeof doc !== 'object') return undefined
  const value = (doc as Record<string, unknown>)['dataserver-filter']
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(`PYME config ${file}: dataserver-filter must be a string`)
  }
  return value
}

/** The cluster name a client uses by default (see the file comment for the precedence). */
export function resolveDefaultCluster (options: DefaultClusterOptions = {}): string {
  if (options.cluster !== undefined) return validateClusterName(options.cluster)
  const env = options.env ?? process.env
  const fromEnv = env['PYME_CLUSTER']
  if (fromEnv !== undefined && fromEnv !== '') return validateClusterName(fromEnv, 'PYME_CLUSTER')
  let fromConfig: string | undefined
  for (const file of options.configFiles ?? pymeConfigFiles(env)) {
    const v = readFilter(file)
    if (v !== undefined) fromConfig = v
  }
  if (fromConfig !== undefined) return validateClusterName(fromConfig, 'dataserver-filter')
  return computerName(env)
}
