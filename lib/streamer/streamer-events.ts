/** The Streamer's events and their payloads. */
import type { Ack } from './stream-item.js'
import type { FailedPut } from './stream-report.js'

/** Payload of `'retry'`. */
export interface RetryEvent { readonly path: string, readonly node: string, readonly attempt: number, readonly error: Error }
/** Payload of `'node-down'` (`state` is `'down'`, `'full'` or `'removed'`). */
export interface NodeDownEvent { readonly url: string, readonly state: string, readonly error: Error }
/** Payload of `'all-nodes-down'`: every known node is down or removed. */
export interface AllNodesDownEvent {
  /** Every node of the streamer (`http://host:port/`). */
  readonly nodes: readonly string[]
  /** Files accepted and not yet settled: they wait for a node (`'node-up'`) or the close deadline. */
  readonly waiting: number
}
/** Payload of `'drop'` and `'spill'`. */
export interface OverflowEvent { readonly path: string, readonly bytes: number }

/** Events of the streamer. */
export interface StreamerEvents {
  ack: [Ack]
  fail: [FailedPut]
  retry: [RetryEvent]
  'node-down': [NodeDownEvent]
  'node-up': [{ readonly url: string }]
  'all-nodes-down': [AllNodesDownEvent]
  drop: [OverflowEvent]
  spill: [OverflowEvent]
  drain: []
  error: [Error]
}

