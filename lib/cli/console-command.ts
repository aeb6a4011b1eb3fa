/**
 * `pyme-cluster console`: the browser console and the read-only WebDAV view of the cluster
 * (lib/console), until Ctrl-C / SIGTERM. Prints where it listens and, on any address but
 * loopback, the token to use.
 */
import { hostname } from 'node:os'
import { InvalidArgumentError } from '../errors.js'
import { startConsole, type ConsoleServer } from '../console/console-server.js'
import { clusterUsage, parseClusterArgs, withCluster } from './cluster-options.js'
import type { CliIo, Command } from './command.js'
import { exitCodes } from './exit-codes.js'
import { intOption } from './int-option.js'

/** The lines printed once the console listens. */
export function describeConsole (c: ConsoleServer, cluster: string, servers: number): string {
  const wildcard = c.host === '0.0.0.0' || c.host === '::'
  const base = wildcard ? `http://${hostname()}:${c.port}/` : c.url
  const lines = [
    `pyme-cluster console: cluster '${cluster}' (${servers} data server${servers === 1 ? '' : 's'}), read-only`,
    `  console  ${base}`,
    `  WebDAV   ${base}dav/   (every series also as <series>.tif)`
  ]
  if (c.token !== null) lines.push(`  token    ${c.token}   (bearer token, or the basic-auth password with any user name)`)
  if (!c.hasPage) lines.push('  warning: the page is not built (npm run build); the WebDAV view and /api/ work')
  lines.push('  mounting it on Windows, macOS and Linux: docs/console.md')
  return lines.join('\n') + '\n'
}

export const consoleCommand: Command = {
  name: 'console',
  usage: clusterUsage('console [options]', `
Serves a browser console (nodes, the union namespace, series with a live frame viewer) and a
read-only WebDAV view of the cluster at /dav/, where every series is also a multi-page TIFF
<series>.tif that Fiji, napari and libtiff open as a stack. Stops on Ctrl-C / SIGTERM.

  --port N                 TCP port (default 8080; 0 = any free one)
  --host ADDR              address to bind (default 127.0.0.1). Any other address requires a
                           token: --token, or one is generated and printed
  --token T                the access token: 'Authorization: Bearer T', or T as the password
                           of basic authentication (any user name; WebDAV clients use that)
  --decode-threads N       worker threads decoding frames for TIFF reads (default: cores, at most 8)
  --cache-mb N             decoded frames kept for readers that come back (default 256)
`),
  async run (args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseClusterArgs(args, {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'decode-threads': { type: 'string' },
      'cache-mb': { type: 'string' }
    })
    if (positionals.length > 0) throw new InvalidArgumentError('console takes no arguments')
    const port = intOption(values.port, 'port', 0, 65535)
    const threads = intOption(values['decode-threads'], 'decode-threads', 1, 64)
    const cacheMb = intOption(values['cache-mb'], 'cache-mb', 0, 1_048_576)
    if (io.signal.aborted) return exitCodes.INTERRUPTED
    return await withCluster(values, io, async (cluster) => {
      const server = await startConsole({
        cluster,
        ...(values.host === undefined ? {} : { host: values.host }),
        ...(port === undefined ? {} : { port }),
        ...(values.token === undefined ? {} : { token: values.token }),
        ...(threads === undefined ? {} : { decodeThreads: threads }),
        ...(cacheMb === undefined ? {} : { frameCacheBytes: cacheMb * 1024 * 1024 })
      })
      io.stdout.write(describeConsole(server, cluster.cluster, cluster.servers().length))
      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve()
        else io.signal.addEventListener('abort', () => resolve(), { once: true })
      })
      await server.close()
      io.stdout.write('pyme-cluster console: stopped\n')
      return exitCodes.OK
    })
  }
}
