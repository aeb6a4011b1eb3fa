/**
 * The sub-command table. Commands load lazily so that `pyme-cluster --help`
 * does not import the server, discovery or worker code.
 */
import type { Command } from './command.js'

export const commands: Readonly<Record<string, { readonly summary: string, readonly load: () => Promise<Command> }>> = {
  ls: { summary: 'list a directory of the cluster (union of every data server)', load: async () => (await import('./ls-command.js')).lsCommand },
  stat: { summary: 'show one file or directory of the cluster and where it is stored', load: async () => (await import('./stat-command.js')).statCommand },
  get: { summary: 'copy a file from the cluster to a local file or stdout', load: async () => (await import('./get-command.js')).getCommand },
  put: { summary: 'copy a local file into the cluster (write-once)', load: async () => (await import('./put-command.js')).putCommand },
  find: { summary: 'walk a directory tree of the cluster and print matching paths', load: async () => (await import('./find-command.js')).findCommand },
  status: { summary: 'list the data servers of the cluster with free space, load and responsiveness', load: async () => (await import('./status-command.js')).statusCommand },
  serve: { summary: 'run a PYME-compatible data server on a data root', load: async () => (await import('./serve-command.js')).serveCommand },
  console: { summary: 'browser console and read-only WebDAV view of the cluster (every series also a TIFF)', load: async () => (await import('./console-command.js')).consoleCommand },
  'cluster-of-one': { summary: 'run a one-machine cluster (a local data server in the host registry)', load: async () => (await import('./cluster-of-one-command.js')).clusterOfOneCommand },
  demo: { summary: 'simulated camera acquisition streamed to a local cluster, read back and verified (npm start)', load: async () => (await import('./demo-command.js')).demoCommand }
}
