/**
 * The sub-command table. Commands load lazily so that `pyme-cluster --help`
 * does not import the server, discovery or worker code.
 */
import type { Command } from './command.js'

export const commands: Readonly<Record<string, { readonly summary: string, readonly load: () => Promise<Command> }>> = {
  demo: { summary: 'round-trip simulated camera frames through PZF and report speed and size', load: async () => (await import('./demo-command.js')).demoCommand }
}
