/**
 * Links a reader can follow: every relative Markdown link of the shipped documentation, and
 * every `docs/…`/`examples/…` path the command's `--help` names, must lead to a file (and a
 * heading, for `#anchors`) that is in the package.
 */
import { readFile } from 'node:fs/promises'
import { dirname, join, normalize, relative } from 'node:path'

/** One link and where it was found. */
export interface DocLink {
  readonly from: string
  readonly target: string
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function headingSlug (heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
}

/** The anchors of a Markdown file's headings (repeats get `-1`, `-2`, … as on GitHub). */
export function anchors (markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const m of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const slug = headingSlug(m[1] ?? '')
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    out.add(n === 0 ? slug : `${slug}-${n}`)
  }
  return out
}

function withoutFences (markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '')
}

function withoutCode (markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, '')
}

/** Relative Markdown links (`[text](target)`), outside code; absolute URLs and mailto: are left out. */
export function markdownLinks (markdown: string, from: string): DocLink[] {
  const out: DocLink[] = []
  for (const m of withoutCode(markdown).matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1] ?? ''
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue
    out.push({ from, target })
  }
  return out
}

/**
 * The links of `links` that do not resolve in the package rooted at `root` whose files are
 * `files` (package-relative paths): missing files or directories, and anchors without a heading.
 */
export async function brokenLinks (root: string, files: readonly string[], links: readonly DocLink[]): Promise<string[]> {
  const shipped = new Set(files)
  const broken: string[] = []
  for (const { from, target } of links) {
    const [path = '', anchor] = target.split('#')
    const resolved = path === '' ? from : normalize(join(dirname(from), decodeURIComponent(path))).replace(/\/$/, '')
    const rel = relative('.', resolved)
    const isFile = shipped.has(rel)
    const isDir = !isFile && files.some((f) => f.startsWith(`${rel}/`))
    if (!isFile && !isDir) {
      broken.push(`${from}: ${target} (${rel} is not in the package)`)
      continue
    }
    if (anchor !== undefined && anchor !== '') {
      if (!rel.endsWith('.md')) {
        broken.push(`${from}: ${target} (an anchor into a file that is not Markdown)`)
        continue
      }
      if (!anchors(await readFile(join(root, rel), 'utf8')).has(anchor)) broken.push(`${from}: ${target} (no heading '#${anchor}' in ${rel})`)
    }
  }
  return broken
}

/** Package paths (`docs/errors.md`, `examples/…`) that a help text names. */
export function helpPaths (text: string, from: string): DocLink[] {
  return [...text.matchAll(/\b(?:docs|examples)\/[\w.-]+/g)].map((m) => ({ from, target: m[0].replace(/\.$/, '') }))
}
