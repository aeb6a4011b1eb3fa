/**
 * The sub-command table. Commands load lazily so that `pyme-cluster --help`
 * does not import the server, discovery or worker code.
 */
import type { Command } from './command.js'

export const commands: Readonly<Record<string, { readonly summary: string, readonly load: () => Promise<Command> }>> = {
  serve: { summary: 'run a PYME-compatible data server on a data root', load: async () => (await import('./serve-command.js')).serveCommand },
  'cluster-of-one': { summary: 'run a one-machine cluster (a local data server in the host registry)', load: async () => (await import('./cluster-of-one-command.js')).clusterOfOneCommand },
  demo: { summary: 'round-trip simulated camera frames through PZF and report speed and size', load: async () => (await import('./demo-command.js')).demoCommand }
}
