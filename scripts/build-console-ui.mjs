#!/usr/bin/env node
/**
 * Bundles the browser console (ui/console) into dist/console-ui/: index.html, console.css,
 * console.js (+ its source map) and any WebAssembly module lib/pzf ships, with esbuild, for
 * browsers only: `platform: 'browser'` makes an import of a Node module (`node:*`) anywhere in
 * the page's graph a build error, so the decoder the page uses is checked to run without Node.
 *
 *   node scripts/build-console-ui.mjs [outdir]        (npm run build runs it)
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Copies the `.wasm` files under `dir` (recursively) into `outdir`. */
async function copyWasm (dir, outdir) {
  let entries = []
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return []
  }
  const copied = []
  for (const e of entries) {
    const from = join(dir, e.name)
    if (e.isDirectory()) copied.push(...await copyWasm(from, outdir))
    else if (e.name.endsWith('.wasm')) {
      await copyFile(from, join(outdir, e.name))
      copied.push(e.name)
    }
  }
  return copied
}

/**
 * Builds the page into `outdir` (default dist/console-ui). Resolves to the files written.
 * @param {{ outdir?: string, minify?: boolean }} [options]
 */
export async function buildConsoleUi (options = {}) {
  const { build } = await import('esbuild')
  const outdir = resolve(options.outdir ?? join(root, 'dist', 'console-ui'))
  await mkdir(outdir, { recursive: true })
  const result = await build({
    absWorkingDir: root,
    entryPoints: { console: join(root, 'ui', 'console', 'main.ts') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome100', 'firefox100', 'safari15'],
    minify: options.minify ?? true,
    sourcemap: 'linked',
    // A WebAssembly decoder imported as a module becomes a file beside the bundle.
    loader: { '.wasm': 'file' },
    assetNames: '[name]-[hash]',
    logLevel: 'silent',
    metafile: true
  })
  for (const w of result.warnings) process.emitWarning(`console bundle: ${w.text}`)
  await copyFile(join(root, 'ui', 'console', 'index.html'), join(outdir, 'index.html'))
  await copyFile(join(root, 'ui', 'console', 'console.css'), join(outdir, 'console.css'))
  // Modules loaded as new URL('x.wasm', import.meta.url) are looked up beside the bundle.
  const wasm = await copyWasm(join(root, 'lib', 'pzf'), outdir)
  return { outdir, files: [...Object.keys(result.metafile.outputs).map((f) => resolve(root, f)), 'index.html', 'console.css', ...wasm], inputs: Object.keys(result.metafile.inputs) }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { outdir } = await buildConsoleUi({ outdir: process.argv[2] })
  // stderr: npm pack --json runs the build (prepare) and its stdout must stay JSON.
  process.stderr.write(`console page built into ${outdir}\n`)
}
