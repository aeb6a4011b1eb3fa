/**
 * `pyme-cluster find <dir|uri> [--name GLOB] [--type f|d] [--maxdepth N]`: walks a directory
 * tree of the cluster (PROTOCOL.md §5.4 `walk`) and prints matching cluster paths.
 */
import { InvalidArgumentError } from '../errors.js'
import { fnmatchPattern } from '../internal/fnmatch.js'
import type { NodeFailure } from '../cluster/cluster-types.js'
import { clusterUsage, parseClusterArgs, failureJson, reportUnreachable, withCluster } from './cluster-options.js'
import { stoppedExit } from './closed-output.js'
import type { Command } from './command.js'
import { intOption } from './int-option.js'

export const findCommand: Command = {
  name: 'find',
  usage: clusterUsage('find <dir|PYME-CLUSTER://cluster/dir> [options]', `
Walks the tree under dir (union of every data server) and prints the cluster path of every
file and directory below it that matches.

  --name GLOB              base name matches GLOB (*, ?, [abc], [!abc]); quote it for the shell
  --type f|d               files only, or directories only
  --maxdepth N             descend at most N levels below dir (default 64)
  --strict                 fail (exit 5) when a data server does not answer, instead of a warning
`),
  async run (args, io) {
    const { values, positionals } = parseClusterArgs(args, {
      name: { type: 'string' },
      type: { type: 'string' },
      maxdepth: { type: 'string' },
      strict: { type: 'boolean', default: false }
    })
    if (positionals.length > 1) throw new InvalidArgumentError('find takes one directory')
    const top = positionals[0] ?? ''
    if (values.type !== undefined && values.type !== 'f' && values.type !== 'd') throw new InvalidArgumentError("invalid --type: expected 'f' or 'd'")
    const maxDepth = intOption(values.maxdepth, 'maxdepth', 0, 4096) ?? 64
    const pattern = values.name === undefined ? undefined : fnmatchPattern(values.name)
    return await withCluster(values, io, async (cluster) => {
      const failures = new Map<string, NodeFailure>()
      const found: Array<{ path: string, type: 'f' | 'd' }> = []
      const emit = (path: string, type: 'f' | 'd', name: string): void => {
        if (values.type !== undefined && values.type !== type) return
        if (pattern !== undefined && !pattern.test(name)) return
        if (values.json) found.push({ path, type })
        else io.stdout.write(`${path}${type === 'd' ? '/' : ''}\n`)
      }
      // The walk yields a directory's contents at its depth; entries at maxDepth + 1 are not listed.
      for await (const step of cluster.walk(top, { maxDepth: Math.max(0, maxDepth - 1) })) {
        if (io.signal.aborted) return stoppedExit(io)
        for (const f of step.unreachable) failures.set(f.server.url, f)
        if (maxDepth === 0) break
        const prefix = step.path === '' ? '' : `${step.path}/`
        for (const d of step.directories) emit(prefix + d, 'd', d)
        for (const f of step.files) emit(prefix + f, 'f', f)
      }
      reportUnreachable([...failures.values()], io, values.strict, 'the walk')
      if (values.json) io.stdout.write(JSON.stringify({ matches: found, unreachable: [...failures.values()].map(failureJson) }) + '\n')
      return 0
    })
  }
}
