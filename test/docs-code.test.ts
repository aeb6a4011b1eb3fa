/**
 * The TypeScript code blocks of README.md and docs/*.md compile against the package's API, as a
 * user's code would (strict, nodenext), so that a renamed option or method cannot leave the
 * documentation behind. Each block is its own module; names a snippet leaves to the reader
 * (`camera`, `frames`, `use`, …) are declared once, globally, and package names a snippet uses
 * without importing them (a snippet that continues an earlier one) are imported for it.
 * Whole programs are the examples (test/examples.test.ts), which run.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'

const run = promisify(execFile)
const repo = fileURLToPath(new URL('..', import.meta.url))

/** What snippets leave to the reader: a camera, a frame count, a consumer, some JSON. */
const PLACEHOLDERS = `// Names the documentation's snippets leave to the reader.
declare const camera: { read (): Uint16Array, frame (i: number): Uint16Array }
declare const frames: number
declare const frame: Uint16Array
declare const json: string
declare function use (...values: unknown[]): void
`

const ENTRY_POINTS: ReadonlyArray<[string, string]> = [
  ['pyme-cluster', 'lib/index.ts'], ['pyme-cluster/server', 'lib/server/index.ts'],
  ['pyme-cluster/discovery', 'lib/discovery/index.ts'], ['pyme-cluster/pzf', 'lib/pzf/index.ts']
]

interface Block { readonly file: string, readonly line: number, readonly code: string }

async function blocks (): Promise<Block[]> {
  const files = ['README.md', ...(await readdir(join(repo, 'docs'))).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)]
  const out: Block[] = []
  for (const file of files) {
    const text = await readFile(join(repo, file), 'utf8')
    for (const m of text.matchAll(/^```ts\n([\s\S]*?)^```/gm)) {
      out.push({ file, line: text.slice(0, m.index).split('\n').length + 1, code: m[1] ?? '' })
    }
  }
  return out
}

t.test('every TypeScript block of the documentation compiles against the API', async (t) => {
  const found = await blocks()
  t.ok(found.length >= 8, `${found.length} blocks`)
  // Which entry point exports which runtime name (the root first, as users import it).
  const home = new Map<string, string>()
  for (const [name, source] of ENTRY_POINTS) {
    for (const key of Object.keys(await import(join(repo, source)) as object)) if (!home.has(key)) home.set(key, name)
  }
  const dir = await mkdtemp(join(tmpdir(), 'pyme-doc-code-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const names: string[] = []
  const headerLines: number[] = []
  for (const [i, b] of found.entries()) {
    const imported = new Set([...b.code.matchAll(/import\s*\{([^}]*)\}/g)].flatMap((m) => (m[1] ?? '').split(',').map((s) => s.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop() ?? '')))
    const wanted = new Map<string, string[]>()
    for (const word of new Set(b.code.match(/\b[A-Za-z_]\w*\b/g) ?? [])) {
      const from = home.get(word)
      if (from === undefined || imported.has(word)) continue
      wanted.set(from, [...(wanted.get(from) ?? []), word])
    }
    const prelude = [...wanted].map(([from, list]) => `import { ${list.join(', ')} } from '${from}'`).join('\n')
    const name = `block-${i}.ts`
    names.push(name)
    const header = `// ${b.file}:${b.line}\n${prelude}\n`
    headerLines.push(header.split('\n').length - 1)
    await writeFile(join(dir, name), `${header}${b.code}\nexport {}\n`)
  }
  await writeFile(join(dir, 'placeholders.d.ts'), PLACEHOLDERS)
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', lib: ['ES2023'], module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true,
      skipLibCheck: true, types: ['node'], typeRoots: [join(repo, 'node_modules', '@types')],
      paths: Object.fromEntries([...ENTRY_POINTS.map(([name, source]) => [name, [join(repo, source)]]), ['pyme-cluster/package.json', [join(repo, 'package.json')]]]),
      resolveJsonModule: true, allowImportingTsExtensions: true
    },
    files: ['placeholders.d.ts', ...names]
  }))
  const result = await run(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { timeout: 170_000 })
    .then(() => '', (err: Error & { stdout?: string }) => err.stdout ?? String(err))
  // Name the documentation's file and line in a failure, not the temporary block's.
  const located = result.replace(/(?:\S*\/)?block-(\d+)\.ts\((\d+),(\d+)\)/g, (_all, i: string, line: string) => {
    const b = found[Number(i)] as Block
    return `${b.file}:${b.line + Number(line) - 1 - (headerLines[Number(i)] ?? 0)}`
  })
  t.equal(located, '', 'tsc reports no error')
})
