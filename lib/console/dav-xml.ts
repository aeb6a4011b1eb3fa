/**
 * The XML of WebDAV (RFC 4918 §14): what a PROPFIND body asks for, and the text of a
 * multistatus answer. File names come from data servers and are hostile input: in element
 * text they are escaped (`& < > " '`), characters XML 1.0 cannot carry at all (C0 controls
 * other than tab/CR/LF, U+FFFE/U+FFFF, lone surrogates) become U+FFFD, and in hrefs every
 * byte outside `A-Z a-z 0-9 - _ . ~` is percent-encoded (UTF-8), so that the name itself
 * survives in the href.
 *
 * The request parser is deliberately small: elements, attributes, namespace declarations,
 * comments and processing instructions. A DOCTYPE (and with it any entity) is refused.
 */

/** A property name: namespace URI and local name. */
export interface PropName {
  readonly ns: string
  readonly name: string
}

/** What a PROPFIND asks for (RFC 4918 §9.1). */
export type PropfindRequest =
  | { readonly kind: 'allprop', readonly include: readonly PropName[] }
  | { readonly kind: 'propname' }
  | { readonly kind: 'prop', readonly props: readonly PropName[] }

/** A malformed request body (the handler answers 400). */
export class DavXmlError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'DavXmlError'
  }
}

export const DAV_NS = 'DAV:'


const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g
const TEXT_SPECIAL = /[&<>\r\n\t]/g
const ATTR_SPECIAL = /[&<>"'\r\n\t]/g
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;', '\n': '&#10;', '\t': '&#9;' }
// Anything xmlText must change: markup, controls, surrogates, the two non-characters (quotes
// need no escaping in element text, and an entity tag is all quotes).

const NEEDS_TEXT_WORK = /[&<>\u0000-\u001f\ud800-\udfff\ufffe\uffff]/
const UNRESERVED = /^[A-Za-z0-9._~-]*$/

/** The string with lone surrogates (names from JSON may hold them) replaced by U+FFFD. */
export function wellFormed (s: string): string {
  return s.replace(LONE_SURROGATE, '\ufffd')
}

/** Text for an XML element: escaped, and with characters XML cannot hold replaced by U+FFFD. */
export function xmlText (s: string): string {
  // Most names need nothing: one scan, no copy (a listing may hold 100,000 of them).
  if (!NEEDS_TEXT_WORK.test(s)) return s
  return wellFormed(s).replace(NOT_XML, '\ufffd').replace(TEXT_SPECIAL, (c: string) => ENTITIES[c] as string)
}

/** A value for a double- or single-quoted XML attribute (quotes escaped too). */
export function xmlAttr (s: string): string {
  return wellFormed(s).replace(NOT_XML, '\ufffd').replace(ATTR_SPECIAL, (c: string) => ENTITIES[c] as string)
}

/** One path segment for a URL: UTF-8, every byte outside the unreserved set percent-encoded. */
export function encodeSegment (s: string): string {
  if (UNRESERVED.test(s)) return s
  return encodeURIComponent(wellFormed(s)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** The href of a cluster path under `base` (`/dav/`); collections end in `/`. */
export function davHref (base: string, path: string, collection: boolean): string {
  if (path === '') return base
  return base + path.split('/').map(encodeSegment).join('/') + (collection ? '/' : '')
}

// ── request bodies ──────────────────────────────────────────────────────────────────────

const NAME = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?$/
const ATTR = /([^\s=]+)\s*=\s*("[^"]*"|'[^']*')/g

interface XmlElement {
  readonly ns: string
  readonly name: string
  readonly children: XmlElement[]
}

function decodeEntities (s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const k = e.toLowerCase()
    if (k === 'amp') return '&'
    if (k === 'lt') return '<'
    if (k === 'gt') return '>'
    if (k === 'quot') return '"'
    if (k === 'apos') return "'"
    const code = k.startsWith('#x') ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10)
    if (!Number.isFinite(code) || code > 0x10ffff) throw new DavXmlError('bad character reference')
    return String.fromCodePoint(code)
  })
}

/** Parses an XML document into its element tree (text is ignored: PROPFIND bodies hold none that matters). */
export function parseXml (text: string): XmlElement {
  if (/<!DOCTYPE/i.test(text)) throw new DavXmlError('DOCTYPE is not allowed')
  const stack: Array<{ el: XmlElement, ns: Map<string, string> }> = []
  let root: XmlElement | null = null
  const tag = /<(\/?)([^\s/>!?]+)((?:\s+[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>/g
  let last = 0
  for (let m = tag.exec(text); m !== null; m = tag.exec(text)) {
    if (text.slice(last, m.index).includes('<')) throw new DavXmlError('malformed XML')
    last = tag.lastIndex
    if (m[2] === undefined) continue // comment, PI, CDATA
    const [, closing, qname, attrs, selfClosing] = m as unknown as [string, string, string, string, string]
    if (!NAME.test(qname)) throw new DavXmlError(`bad element name '${qname}'`)
    if (closing === '/') {
      const top = stack.pop()
      if (top === undefined || qualified(top.el) !== qname) throw new DavXmlError(`unexpected </${qname}>`)
      continue
    }
    const parentNs = stack.at(-1)?.ns ?? new Map([['xml', 'http://www.w3.org/XML/1998/namespace']])
    const ns = new Map(parentNs)
    for (const a of attrs.matchAll(ATTR)) {
      const [, key, raw] = a as unknown as [string, string, string]
      const value = decodeEntities(raw.slice(1, -1))
      if (key === 'xmlns') ns.set('', value)
      else if (key.startsWith('xmlns:')) ns.set(key.slice(6), value)
    }
    const colon = qname.indexOf(':')
    const prefix = colon < 0 ? '' : qname.slice(0, colon)
    const local = colon < 0 ? qname : qname.slice(colon + 1)
    const uri = ns.get(prefix)
    if (uri === undefined && prefix !== '') throw new DavXmlError(`undeclared namespace prefix '${prefix}'`)
    const el: XmlElement & { qname?: string } = { ns: uri ?? '', name: local, children: [] }
    Object.defineProperty(el, 'qname', { value: qname, enumerable: false })
    const parent = stack.at(-1)
    if (parent !== undefined) parent.el.children.push(el)
    else if (root === null) root = el
    else throw new DavXmlError('more than one root element')
    if (selfClosing !== '/') stack.push({ el, ns })
  }
  if (text.slice(last).includes('<') || stack.length > 0 || root === null) throw new DavXmlError('malformed XML')
  return root
}

function qualified (el: XmlElement): string {
  return (el as XmlElement & { qname: string }).qname
}

/** What a PROPFIND body asks for; an empty body means `allprop` (RFC 4918 §9.1). */
export function parsePropfind (body: string): PropfindRequest {
  if (body.trim() === '') return { kind: 'allprop', include: [] }
  const root = parseXml(body)
  if (root.ns !== DAV_NS || root.name !== 'propfind') throw new DavXmlError('the body is not a DAV:propfind')
  const dav = (name: string): XmlElement | undefined => root.children.find((c) => c.ns === DAV_NS && c.name === name)
  const props = (el: XmlElement): PropName[] => el.children.map((c) => ({ ns: c.ns, name: c.name }))
  const prop = dav('prop')
  if (dav('propname') !== undefined) return { kind: 'propname' }
  if (dav('allprop') !== undefined) {
    const include = dav('include')
    return { kind: 'allprop', include: include === undefined ? [] : props(include) }
  }
  if (prop !== undefined) return { kind: 'prop', props: props(prop) }
  throw new DavXmlError('DAV:propfind holds none of prop, allprop, propname')
}
