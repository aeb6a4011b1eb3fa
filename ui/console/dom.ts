/**
 * Building the page without markup strings: every name, value and message goes into the DOM
 * as a text node (or an attribute set with setAttribute), never through innerHTML, so a file
 * called `<script>…` is shown as those characters and nothing runs. `escapeHtml` is here for
 * the one place text is put into markup by hand (none today; tests keep it honest).
 */

type Child = Node | string | number | null | undefined | false

/** An element with attributes and children; strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attrs: Readonly<Record<string, string>> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v)
  append(el, children)
  return el
}

/** Appends children (strings and numbers as text). */
export function append (el: Element, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c)
  }
}

/** Replaces an element's children. */
export function replace (el: Element, ...children: Child[]): void {
  el.replaceChildren()
  append(el, children)
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text made safe for HTML markup and attribute values. */
export function escapeHtml (s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string)
}

/** A link inside the page (hash route) or to the gateway; hrefs are built here, never from raw names. */
export function link (href: string, text: string, attrs: Readonly<Record<string, string>> = {}): HTMLAnchorElement {
  if (!href.startsWith('#/') && !href.startsWith('/')) throw new Error(`refusing link ${href}`)
  return h('a', { ...attrs, href }, text)
}
