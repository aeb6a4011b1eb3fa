/**
 * Where the files of one series went: which node stored each frame (a `FrameIndexSet` per node,
 * a bit per frame) and where each copied file (metadata.json, final_metadata.json, events.json)
 * was stored or missed. From it the backend's report names the files that are, right now, on no
 * node that is up: readable again once their node is back, unreadable until then.
 *
 * ```
 *   node A: frames {0-49, 100-149}   metadata.json, events.json
 *   node B: frames {50-99}           metadata.json, events.json      B down → frames 50-99 only on B
 * ```
 */
import type { NodeState } from '../streamer/distribution.js'
import type { CopiesAck, CopyMiss } from '../streamer/copy-set.js'
import { FrameIndexSet } from '../internal/frame-index-set.js'

const MAX_NAMED = 1000

/** Where one copied file is. */
export interface CopyReport {
  /** File name within the series. */
  readonly name: string
  /** Nodes that stored a copy (`http://host:port/`). */
  readonly stored: readonly string[]
  /** Nodes that did not, and why (down, or the close deadline). */
  readonly missed: readonly CopyMiss[]
}

/** Files on a node that was down (or had left) when the report was made, and on no node that was up. */
export interface UnreachableFiles {
  readonly node: string
  readonly state: NodeState
  /** File names within the series (the first 1000). */
  readonly files: readonly string[]
  /** How many files in all. */
  readonly count: number
}

export class SeriesPlacement {
  readonly #frames = new Map<string, FrameIndexSet>()
  readonly #copies: CopyReport[] = []

  /** Frame `index` was stored on `node`. */
  frame (node: string, index: number): void {
    let set = this.#frames.get(node)
    if (set === undefined) {
      set = new FrameIndexSet()
      this.#frames.set(node, set)
    }
    set.add(index)
  }

  /** A copied file's outcome (`ack`), or that no copy was stored (`missed` from the error). */
  copied (name: string, ack: CopiesAck | null, failure?: Error): void {
    if (ack !== null) this.#copies.push({ name, stored: ack.stored.map((a) => a.node), missed: ack.missed })
    else this.#copies.push({ name, stored: [], missed: failure === undefined ? [] : [{ node: '', error: failure }] })
  }

  /** Every copied file so far. */
  get copies (): readonly CopyReport[] {
    return this.#copies
  }

  /**
   * Per node that is down or removed (`states`), the files it holds that no node that is up
   * holds. `frameName` names frame `n`.
   */
  unreachable (states: ReadonlyMap<string, NodeState>, frameName: (n: number) => string): UnreachableFiles[] {
    const isUp = (node: string): boolean => { const s = states.get(node); return s === 'up' || s === 'full' }
    const upFrames = [...this.#frames].filter(([node]) => isUp(node)).map(([, set]) => set)
    const out: UnreachableFiles[] = []
    for (const [node, state] of states) {
      if (isUp(node)) continue
      const files: string[] = []
      let count = 0
      for (const c of this.#copies) {
        if (c.stored.includes(node) && !c.stored.some(isUp)) {
          count++
          if (files.length < MAX_NAMED) files.push(c.name)
        }
      }
      const set = this.#frames.get(node)
      if (set !== undefined) {
        for (let n = 0; n <= set.max; n++) {
          if (!set.has(n) || upFrames.some((s) => s.has(n))) continue
          count++
          if (files.length < MAX_NAMED) files.push(frameName(n))
        }
      }
      if (count > 0) out.push({ node, state, files, count })
    }
    return out
  }
}
