/**
 * `ConsoleAssets`: the browser console's files (the page, its bundle and style, bundled at
 * build time by scripts/build-console-ui.mjs into `dist/console-ui/`), read once into memory
 * and served with a content hash as ETag. The page gets a strict Content-Security-Policy:
 * scripts only from this origin (WebAssembly allowed, for a WASM decoder), no inline code, no
 * framing, so that even a name that escaped its escaping could not run.
 */
import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sendText } from './http-responses.js'

interface Asset {
  readonly body: Buffer
  readonly type: string
  readonly etag: string
}

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
  wasm: 'application/wasm',
  svg: 'image/svg+xml',
  png: 'image/png'
}

/** The policy of every console response. */
export const CONSOLE_CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** Where the bundle is: beside the compiled module in dist, or the built dist of this checkout when run from source. */
export function defaultAssetsDir (): string {
  const rel = import.meta.url.endsWith('.ts') ? '../../dist/console-ui/' : '../console-ui/'
  return fileURLToPath(new URL(rel, import.meta.url))
}

export class ConsoleAssets {
  readonly #files: ReadonlyMap<string, Asset>
  readonly dir: string

  private constructor (dir: string, files: Map<string, Asset>) {
    this.dir = dir
    this.#files = files
  }

  /** Loads every file of `dir` (flat); an absent or empty directory gives a console that says how to build it. */
  static async load (dir: string): Promise<ConsoleAssets> {
    const files = new Map<string, Asset>()
    let names: string[] = []
    try {
      names = await readdir(dir)
    } catch {}
    for (const name of names) {
      const ext = name.slice(name.lastIndexOf('.') + 1)
      const type = TYPES[ext]
      if (type === undefined) continue
      const body = await readFile(join(dir, name))
      files.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` })
    }
    return new ConsoleAssets(dir, files)
  }

  /** True when the page and its script are there. */
  get complete (): boolean {
    return this.#files.has('index.html') && this.#files.has('console.js')
  }

  /** Serves `/` (the page) and `/assets/<name>`; false when the path is neither. */
  serve (req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    let name: string
    if (pathname === '/' || pathname === '/index.html') name = 'index.html'
    else if (pathname.startsWith('/assets/') && !pathname.slice(8).includes('/')) name = pathname.slice(8)
    else return false
    const asset = this.#files.get(name)
    if (asset === undefined) {
      if (name === 'index.html') sendText(res, 503, `the console page is not built (no index.html in ${this.dir}): run npm run build`)
      else sendText(res, 404, `no asset ${name}`)
      return true
    }
    const headers = {
      'Content-Type': asset.type,
      ETag: asset.etag,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': CONSOLE_CSP,
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer'
    }
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers)
      res.end()
      return true
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(asset.body.length) })
    res.end(req.method === 'HEAD' ? undefined : asset.body)
    return true
  }
}
