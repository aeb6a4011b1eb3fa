// The layer rule (scripts/lint/layer-rule.mjs): it catches a folder importing upward or
// sideways, a barrel import of lib/index.ts and a value import in lib/errors.ts, and lets
// the allowed directions pass; its table has no cycle and is the one docs/architecture.md shows.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { Linter } from 'eslint'
import tseslint from 'typescript-eslint'
// @ts-expect-error -- a plain .mjs module without type declarations
import { layersPlugin } from '../../scripts/lint/layer-rule.mjs'
// @ts-expect-error -- a plain .mjs module without type declarations
import { LAYERS, reachable } from '../../scripts/lint/layers.mjs'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const layers = LAYERS as Record<string, string[]>
const reach = reachable as (folder: string) => Set<string>

function lint (file: string, code: string): string[] {
  const linter = new Linter({ cwd: repo })
  const messages = linter.verify(code, [{
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser as Linter.Parser },
    plugins: { layers: layersPlugin as never },
    rules: { 'layers/layer-order': ['error', { root: 'lib' }] },
  }], join(repo, file))
  return messages.map((m) => m.message)
}

t.test('upward and sideways imports are errors; downward ones pass', async (t) => {
  t.match(lint('lib/series/x.ts', "import { FrameIndexSet } from '../backends/frame-index-set.js'"),
    [/lib\/series may not import lib\/backends/], 'series → backends (the old folder cycle)')
  t.match(lint('lib/hdf5/x.ts', "import type { PyJsonValue } from '../series/python-json.js'"),
    [/lib\/hdf5 may not import lib\/series/], 'a type-only import counts too')
  t.match(lint('lib/server/x.ts', "export { Streamer } from '../streamer/streamer.js'"), [/lib\/server may not import lib\/streamer/], 'sideways, by re-export')
  t.match(lint('lib/internal/x.ts', "const m = await import('../pzf/format.js')"), [/lib\/internal may not import lib\/pzf/], 'dynamic import')
  t.match(lint('lib/pzf/wasm/x.ts', "import { a } from '../../cluster/cluster.js'"), [/lib\/pzf may not import lib\/cluster/], 'from a subfolder')
  t.match(lint('lib/cluster/x.ts', "type T = import('../backends/backend.js').Backend"), [/lib\/cluster may not import lib\/backends/], 'import type expression')
  t.same(lint('lib/cli/x.ts', [
    "import { Cluster } from '../cluster/cluster.js'",
    "import { startDataServer } from '../server/index.js'",
    "import { InvalidArgumentError } from '../errors.js'",
    "import { x } from './y.js'",
    "import { readFile } from 'node:fs/promises'",
  ].join('\n')), [], 'downward, errors.ts, own folder, packages')
  t.same(lint('lib/backends/x.ts', "import { NodeDirectory } from '../discovery/node-directory.js'"), [], 'reached through series → cluster → discovery')
})

t.test('lib/errors.ts imports types only; nothing imports lib/index.ts; unknown folders are named', async (t) => {
  t.same(lint('lib/errors.ts', "import type { ServerAddress } from './internal/server-address.js'"), [])
  t.same(lint('lib/errors.ts', "import { type ServerAddress } from './internal/server-address.js'"), [])
  t.match(lint('lib/errors.ts', "import { parseServerAddress } from './internal/server-address.js'"), [/imports types only/])
  t.match(lint('lib/streamer/x.ts', "import { Streamer } from '../index.js'"), [/root entry point/])
  t.match(lint('lib/index.ts', "export { runCli } from './cli/run-cli.js'"), [/does not import lib\/cli/])
  t.same(lint('lib/index.ts', "export { Streamer } from './streamer/streamer.js'"), [])
  t.match(lint('lib/newfolder/x.ts', "import { a } from '../pzf/format.js'"), [/lib\/newfolder has no place in the layer table/])
  t.match(lint('lib/cluster/x.ts', "import { a } from '../../test/helpers/x.js'"), [/outside lib/])
  t.same(lint('test/x.test.ts', "import { a } from '../lib/cli/main.js'"), [], 'tests are outside the rule')
})

t.test('the layer table has no cycle, and every lib/ folder has a place in it', async (t) => {
  for (const folder of Object.keys(layers)) t.notOk(reach(folder).has(folder), `${folder} does not reach itself`)
  const { readdir } = await import('node:fs/promises')
  const folders = (await readdir(join(repo, 'lib'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name)
  for (const f of folders) t.ok(f in layers, `lib/${f} in the table`)
})

t.test('docs/architecture.md shows the same table', async (t) => {
  const page = await readFile(join(repo, 'docs/architecture.md'), 'utf8')
  const section = page.slice(page.indexOf('\n## Layers\n'), page.indexOf('\n## ', page.indexOf('\n## Layers\n') + 1))
  const shown: Record<string, string[]> = {}
  for (const m of section.matchAll(/^\| `([a-z0-9]+)` \| ([^|]+) \|/gm)) {
    const below = m[2] as string
    shown[m[1] as string] = below.trim() === '—' ? [] : [...below.matchAll(/`([a-z0-9]+)`/g)].map((b) => b[1] as string)
  }
  t.same(shown, layers)
})
