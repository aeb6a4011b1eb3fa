/**
 * `pyme-cluster get <path|uri> [dest|-]`: copies a file out of the cluster, streaming.
 * Written to a temporary name next to the destination and renamed when complete, so an
 * interrupted or failed copy never leaves a partial file under the real name.
 */
import { createWriteStream } from 'node:fs'
import { rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { isClusterUri, parseClusterUri } from '../cluster/cluster-uri.js'
import { AlreadyExistsError, InvalidArgumentError, VerificationError } from '../errors.js'
import { clusterUsage, parseClusterArgs, withCluster } from './cluster-options.js'
import type { Command } from './command.js'
import { TransferProgress } from './transfer-progress.js'

async function isDirectory (path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}

async function exists (path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

export const getCommand: Command = {
  name: 'get',
  usage: clusterUsage('get <path|PYME-CLUSTER://cluster/path> [dest|-] [options]', `
Copies a file out of the cluster (from a local data server's disk when it has the file).
dest defaults to the file's name in the current directory; a directory means a file of
that name in it; '-' writes to stdout. The copy goes to a temporary name first and is
renamed when complete and verified against its size.

  -f, --force              replace an existing destination file
  -q, --quiet              no progress or summary on stderr (shown for files of 8 MiB and more)
`),
  async run (args, io) {
    const { values, positionals } = parseClusterArgs(args, { force: { type: 'boolean', short: 'f', default: false }, quiet: { type: 'boolean', short: 'q', default: false } })
    if (positionals.length < 1 || positionals.length > 2) throw new InvalidArgumentError('get takes a cluster path and an optional destination')
    const source = positionals[0] as string
    const clusterPath = isClusterUri(source) ? parseClusterUri(source).path : source
    const name = basename(clusterPath)
    if (name === '' || clusterPath.endsWith('/')) throw new InvalidArgumentError(`'${source}' names a directory, not a file`)
    const target = positionals[1]
    let dest: string | undefined
    if (target !== '-') {
      dest = target === undefined ? name : (await isDirectory(target)) ? join(target, name) : target
      if (!values.force && await exists(dest)) throw new AlreadyExistsError(`${dest} exists (use --force to replace it)`)
    }
    return await withCluster(values, io, async (cluster) => {
      const file = await cluster.openFile(source)
      const progress = new TransferProgress(io, `get ${clusterPath}`, file.size, values.quiet)
      const tmp = dest === undefined ? undefined : join(dirname(dest), `.${basename(dest)}.pyme-partial-${process.pid}`)
      let created = false
      try {
        if (tmp === undefined) {
          await pipeline(file.stream, progress, io.stdout, { end: false, signal: io.signal })
        } else {
          const out = createWriteStream(tmp, { flags: 'wx' })
          out.once('open', () => { created = true })
          await pipeline(file.stream, progress, out, { signal: io.signal })
        }
        if (file.size !== undefined && progress.bytes !== file.size) {
          throw new VerificationError(`${source}: got ${progress.bytes} bytes, expected ${file.size}`)
        }
        if (tmp !== undefined && dest !== undefined) await rename(tmp, dest)
      } catch (err) {
        // Nothing is left under the temporary name (if we made it); the destination was never touched.
        if (tmp !== undefined && created) await unlink(tmp).catch(() => {})
        throw err
      }
      progress.done()
      return 0
    })
  }
}
