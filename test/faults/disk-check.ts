/**
 * What is really on the nodes' disks after a scenario, read straight from their roots (the
 * controller shares the file system with every namespace), and how it compares with what
 * the client was told:
 *
 * - lost: frame indices on no node;
 * - copies of one name on several nodes: identical (an unacknowledged copy, e.g. the node
 *   stored it but died before answering) or conflicting (different bytes: a failure); the
 *   series' metadata.json, final_metadata.json and events.json are on every node by design;
 * - temp files (`.pyme-tmp-*`): hidden upload files left behind (never served);
 * - the report against the disk: every acknowledged file is on its node with its size; per
 *   node, the report's files and bytes equal the acknowledged ones; every file on a disk is
 *   acknowledged there or is an identical copy of one acknowledged elsewhere.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { ClientResult, SeriesSpec } from './fault-config.js'
import type { FaultNode } from './fault-cluster.js'

const TEMP_PREFIX = '.pyme-tmp-'
/** The files ClusterBackend puts on every node (Streamer.putCopies). */
const COPIED: ReadonlySet<string> = new Set(['metadata.json', 'final_metadata.json', 'events.json'])

export interface DiskCheck {
  /** Frame indices on no node. */
  readonly lost: number[]
  /** Names (series-relative) held by more than one node with identical bytes. */
  readonly identicalCopies: number
  /** Names held by several nodes with different bytes. */
  readonly conflicting: string[]
  /** Hidden upload files anywhere under the roots. */
  readonly tempFiles: string[]
  /** Report / acknowledgements against the disk; empty when they agree. */
  readonly mismatches: string[]
  /** Files and bytes of the series per node. */
  readonly perNode: ReadonlyArray<{ readonly files: number, readonly bytes: number }>
}

async function listSeries (root: string, series: string): Promise<Map<string, number>> {
  const dir = join(root, ...series.split('/'))
  const out = new Map<string, number>()
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return out
  }
  for (const name of names) {
    if (name.startsWith('.')) continue
    const s = await stat(join(dir, name))
    if (s.isFile()) out.set(name, s.size)
  }
  return out
}

/** Hidden upload files under `root` (bounded walk). */
export async function tempFilesUnder (root: string): Promise<string[]> {
  const found: string[] = []
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 12) return
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      if (e.name.startsWith(TEMP_PREFIX)) found.push(join(dir, e.name))
      else if (e.isDirectory()) await walk(join(dir, e.name), depth + 1)
    }
  }
  await walk(root, 0)
  return found
}

/** Inspects the nodes' disks for one series; `client` adds the report checks. */
export async function inspectDisk (nodes: readonly FaultNode[], spec: SeriesSpec, client?: ClientResult): Promise<DiskCheck> {
  const listings = await Promise.all(nodes.map((n) => listSeries(n.root, spec.series)))
  const holders = new Map<string, number[]>()
  listings.forEach((l, i) => {
    for (const name of l.keys()) {
      const at = holders.get(name)
      if (at === undefined) holders.set(name, [i])
      else at.push(i)
    }
  })

  const lost: number[] = []
  for (let n = 0; n < spec.frames; n++) {
    if (!holders.has(`frame${String(n).padStart(5, '0')}.pzf`)) lost.push(n)
  }
  let identicalCopies = 0
  const conflicting: string[] = []
  for (const [name, at] of holders) {
    if (at.length < 2) continue
    const bodies = await Promise.all(at.map((i) => readFile(join((nodes[i] as FaultNode).root, ...spec.series.split('/'), name))))
    // The series' own files are on every node by design: not a re-sent copy.
    if (bodies.every((b) => b.equals(bodies[0] as Buffer))) identicalCopies += COPIED.has(name) ? 0 : 1
    else conflicting.push(name)
  }
  const tempFiles = (await Promise.all(nodes.map((n) => tempFilesUnder(n.root)))).flat()
  const perNode = listings.map((l) => ({ files: l.size, bytes: [...l.values()].reduce((a, b) => a + b, 0) }))
  const mismatches = client === undefined ? [] : compareWithReport(nodes, spec, listings, holders, client)
  return { lost, identicalCopies, conflicting, tempFiles, mismatches, perNode }
}

function compareWithReport (nodes: readonly FaultNode[], spec: SeriesSpec, listings: ReadonlyArray<Map<string, number>>,
  holders: ReadonlyMap<string, number[]>, client: ClientResult): string[] {
  const problems: string[] = []
  const prefix = `${spec.series}/`
  const acked = new Map<string, number[]>() // name → acknowledging nodes
  let ackedFiles = 0
  let ackedBytes = 0
  nodes.forEach((node, i) => {
    const mine = (client.acks[node.url] ?? []).filter(([path]) => path.startsWith(prefix))
    const listing = listings[i] as Map<string, number>
    for (const [path, size] of mine) {
      const name = path.slice(prefix.length)
      const onDisk = listing.get(name)
      if (onDisk !== size) problems.push(`${name} acknowledged by node ${i} with ${size} bytes, on its disk: ${onDisk ?? 'absent'}`)
      const by = acked.get(name)
      // The series' own files go to every node as copies (the report counts a file once); a
      // frame is acknowledged once.
      if (by === undefined) {
        acked.set(name, [i])
        ackedFiles++
        ackedBytes += size
      } else if (COPIED.has(name)) {
        by.push(i)
      } else {
        problems.push(`${name} acknowledged twice (nodes ${by.join(', ')} and ${i})`)
      }
    }
    const reported = client.stream?.nodes[node.url]
    // The report counts every file of this client; only series files are on this series' disk.
    if (reported !== undefined && Object.keys(client.acks).length > 0) {
      const all = client.acks[node.url] ?? []
      const allBytes = all.reduce((a, [, s]) => a + s, 0)
      if (reported.files !== all.length || reported.bytes !== allBytes) {
        problems.push(`node ${i}: report says ${reported.files} files / ${reported.bytes} B, acknowledgements ${all.length} / ${allBytes} B`)
      }
    }
  })
  for (const [name, at] of holders) {
    const by = acked.get(name)
    if (by === undefined) {
      // Only the resuming client's files are acknowledged in scenario 6; the first client's
      // stored files then have no acknowledgement here, which the caller allows for.
      if (client.alreadyPresent === undefined) problems.push(`${name} on node(s) ${at.join(', ')} was never acknowledged`)
    } else if (at.length > 1 && !by.some((i) => at.includes(i))) {
      problems.push(`${name} acknowledged by node(s) ${by.join(', ')} but found on ${at.join(', ')}`)
    }
  }
  if (client.alreadyPresent === undefined) {
    const seriesFiles = [...holders.keys()].length
    if (acked.size !== seriesFiles) problems.push(`${acked.size} series files acknowledged, ${seriesFiles} distinct names on disk`)
    if (client.files !== ackedFiles || client.bytes !== ackedBytes) {
      problems.push(`finalize() reports ${client.files} files / ${client.bytes} B, acknowledged ${ackedFiles} / ${ackedBytes} B`)
    }
  }
  return problems
}
