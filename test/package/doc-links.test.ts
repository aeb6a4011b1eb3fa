import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { anchors, brokenLinks, headingSlug, helpPaths, markdownLinks } from './doc-links.js'

t.test('heading anchors as GitHub makes them', async (t) => {
  t.equal(headingSlug('Exit codes of the `pyme-cluster` command'), 'exit-codes-of-the-pyme-cluster-command')
  t.equal(headingSlug('Running servers: supervised, or as child processes'), 'running-servers-supervised-or-as-child-processes')
  t.same([...anchors('# A\n## B b\n```\n# not a heading\n```\n## B b\n')], ['a', 'b-b', 'b-b-1'])
})

t.test('relative links outside code, help paths, and what does not resolve', async (t) => {
  const md = 'see [x](docs/x.md#top) and [web](https://example.org) `[no](code.md)`\n```\n[no](fenced.md)\n```\n[dir](examples/) [gone](docs/gone.md) [bad](docs/x.md#nowhere) [self](#here)\n# Here\n'
  const links = markdownLinks(md, 'README.md')
  t.same(links.map((l) => l.target), ['docs/x.md#top', 'examples/', 'docs/gone.md', 'docs/x.md#nowhere', '#here'])
  t.same(helpPaths('Exit codes: see docs/errors.md.', 'help').map((l) => l.target), ['docs/errors.md'])
  const root = await mkdtemp(join(tmpdir(), 'pyme-links-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  await mkdir(join(root, 'docs'))
  await writeFile(join(root, 'docs/x.md'), '# Top\n')
  await writeFile(join(root, 'README.md'), md)
  t.same(await brokenLinks(root, ['README.md', 'docs/x.md', 'examples/a.ts'], links), [
    'README.md: docs/gone.md (docs/gone.md is not in the package)',
    "README.md: docs/x.md#nowhere (no heading '#nowhere' in docs/x.md)"
  ])
})
