/**
 * `pyme-cluster ls [path|uri] [-l] [--json]`: the union listing of a cluster directory
 * (PROTOCOL.md §5.3), with series and completion flags, sizes human-readable.
 */
import type { DirectoryEntry } from '../cluster/cluster-types.js'
import { InvalidArgumentError } from '../errors.js'
import { clusterUsage, parseClusterArgs, failureJson, formatTable, humanSize, reportUnreachable, withCluster } from './cluster-options.js'
import type { Command } from './command.js'

/** `d`irectory, `s`eries, `c`omplete (or `-`), as in `ls -l`'s mode column. */
export function flagColumn (e: DirectoryEntry): string {
  return `${e.isDirectory ? 'd' : '-'}${e.isSeries ? 's' : '-'}${e.isComplete ? 'c' : '-'}`
}

/** The size column: bytes for files, the (approximate) entry count for directories. */
export function sizeColumn (e: DirectoryEntry): string {
  return e.isDirectory ? `${e.size} ${e.size === 1 ? 'entry' : 'entries'}` : humanSize(e.size)
}

function shortLine (e: DirectoryEntry): string {
  const name = e.isDirectory ? `${e.name}/` : e.name
  if (!e.isSeries) return name
  return `${name}  (series${e.isComplete ? ', complete' : ', in progress'})`
}

/** A DirectoryEntry as printed by --json. */
export function entryJson (e: DirectoryEntry): Record<string, unknown> {
  return { name: e.name, path: e.path, isDirectory: e.isDirectory, isSeries: e.isSeries, isComplete: e.isComplete, flags: e.flags, size: e.size, locations: e.locations }
}

export const lsCommand: Command = {
  name: 'ls',
  usage: clusterUsage('ls [path|PYME-CLUSTER://cluster/path] [options]', `
Lists a directory of the cluster: the union of every data server's copy, as PYME does.
Series directories are marked (series, complete / in progress). The root by default.

  -l, --long               flags (d directory, s series, c complete), size, servers, name
  --strict                 fail (exit 5) when a data server does not answer, instead of a warning
`),
  async run (args, io) {
    const { values, positionals } = parseClusterArgs(args, { long: { type: 'boolean', short: 'l', default: false }, strict: { type: 'boolean', default: false } })
    const target = positionals[0] ?? ''
    if (positionals.length > 1) throw new InvalidArgumentError(`ls takes at most one path, got ${positionals.length}`)
    return await withCluster(values, io, async (cluster) => {
      const listing = await cluster.listDirectory(target)
      reportUnreachable(listing.unreachable, io, values.strict, 'the listing')
      let entries = listing.entries
      if (!listing.exists) {
        // `ls file` shows that one entry, as ls(1) does (NotFoundError naming where it looked).
        entries = [await cluster.stat(target)]
      }
      if (values.json) {
        io.stdout.write(JSON.stringify({ path: listing.path, entries: entries.map(entryJson), unreachable: listing.unreachable.map(failureJson) }) + '\n')
      } else if (values.long) {
        if (entries.length > 0) {
          io.stdout.write(formatTable(entries.map((e) => [flagColumn(e), sizeColumn(e), String(e.locations.length), e.isDirectory ? `${e.name}/` : e.name])))
        }
      } else {
        for (const e of entries) io.stdout.write(shortLine(e) + '\n')
      }
      return 0
    })
  }
}
