/**
 * WebDAV properties (RFC 4918 §15) of the gateway's resources, and the multistatus text of a
 * PROPFIND answer, one `<response>` per resource.
 *
 * Read-only shows in the properties clients look at: `supportedlock` is empty (no lock can be
 * taken) and `lockdiscovery` lists no lock (Windows and Office then open files read-only), and
 * Windows' `Win32FileAttributes` carries FILE_ATTRIBUTE_READONLY. Quota (RFC 4331) is the sum
 * over the data servers that answered their status. Unknown properties are answered 404 in
 * their own propstat, as the RFC asks.
 */
import { DAV_NS, xmlAttr, xmlText, type PropName } from './dav-xml.js'

/** One resource of the DAV view. */
export interface DavResource {
  /** The href (already encoded). */
  readonly href: string
  readonly collection: boolean
  readonly displayName: string
  /** Bytes (files). */
  readonly size?: number
  readonly etag?: string
  readonly contentType?: string
  readonly lastModified: Date
}

/** Quota of the cluster, when known. */
export interface DavQuota {
  readonly available: number
  readonly used: number
}

const MS_NS = 'urn:schemas-microsoft-com:'
const APACHE_NS = 'http://apache.org/dav/props/'

type Render = (r: DavResource, quota: DavQuota | undefined) => string | undefined

// Every entry of a listing carries the same date object: format it once.
let memoDate: Date | null = null
let memoHttp = ''
let memoIso = ''
function httpDate (d: Date): string {
  if (d !== memoDate) {
    memoDate = d
    memoHttp = d.toUTCString()
    memoIso = d.toISOString().replace(/\.\d{3}Z$/, 'Z')
  }
  return memoHttp
}
function isoDate (d: Date): string {
  httpDate(d)
  return memoIso
}

const DAV_PROPS: ReadonlyMap<string, Render> = new Map<string, Render>([
  ['resourcetype', (r) => r.collection ? '<D:resourcetype><D:collection/></D:resourcetype>' : '<D:resourcetype/>'],
  ['getcontentlength', (r) => r.collection || r.size === undefined ? undefined : `<D:getcontentlength>${r.size}</D:getcontentlength>`],
  ['getlastmodified', (r) => `<D:getlastmodified>${httpDate(r.lastModified)}</D:getlastmodified>`],
  ['creationdate', (r) => `<D:creationdate>${isoDate(r.lastModified)}</D:creationdate>`],
  ['getetag', (r) => r.etag === undefined ? undefined : `<D:getetag>${xmlText(r.etag)}</D:getetag>`],
  ['displayname', (r) => `<D:displayname>${xmlText(r.displayName)}</D:displayname>`],
  ['getcontenttype', (r) => r.collection || r.contentType === undefined ? undefined : `<D:getcontenttype>${r.contentType}</D:getcontenttype>`],
  ['supportedlock', () => '<D:supportedlock/>'],
  ['lockdiscovery', () => '<D:lockdiscovery/>'],
  ['quota-available-bytes', (r, q) => !r.collection || q === undefined ? undefined : `<D:quota-available-bytes>${q.available}</D:quota-available-bytes>`],
  ['quota-used-bytes', (r, q) => !r.collection || q === undefined ? undefined : `<D:quota-used-bytes>${q.used}</D:quota-used-bytes>`]
])

const MS_PROPS: ReadonlyMap<string, Render> = new Map<string, Render>([
  ['Win32FileAttributes', (r) => `<Z:Win32FileAttributes xmlns:Z="${MS_NS}">${r.collection ? '00000010' : '00000001'}</Z:Win32FileAttributes>`],
  ['Win32CreationTime', (r) => `<Z:Win32CreationTime xmlns:Z="${MS_NS}">${httpDate(r.lastModified)}</Z:Win32CreationTime>`],
  ['Win32LastAccessTime', (r) => `<Z:Win32LastAccessTime xmlns:Z="${MS_NS}">${httpDate(r.lastModified)}</Z:Win32LastAccessTime>`],
  ['Win32LastModifiedTime', (r) => `<Z:Win32LastModifiedTime xmlns:Z="${MS_NS}">${httpDate(r.lastModified)}</Z:Win32LastModifiedTime>`]
])

const APACHE_PROPS: ReadonlyMap<string, Render> = new Map<string, Render>([
  ['executable', (r) => r.collection ? undefined : `<A:executable xmlns:A="${APACHE_NS}">F</A:executable>`]
])

/** The live properties `allprop` returns (RFC 4918 §9.1: those the RFC defines). */
const ALLPROP = ['creationdate', 'displayname', 'getcontentlength', 'getcontenttype', 'getetag', 'getlastmodified', 'resourcetype', 'supportedlock', 'lockdiscovery']

function renderer (p: PropName): Render | undefined {
  if (p.ns === DAV_NS) return DAV_PROPS.get(p.name)
  if (p.ns === MS_NS) return MS_PROPS.get(p.name)
  if (p.ns === APACHE_NS) return APACHE_PROPS.get(p.name)
  return undefined
}

/** An empty element naming a property (for 404 propstats and propname answers). */
function emptyElement (p: PropName): string {
  if (p.ns === DAV_NS) return `<D:${p.name}/>`
  // Names passed the parser's XML-name check; the namespace URI is escaped.
  return p.ns === '' ? `<${p.name} xmlns=""/>` : `<X:${p.name} xmlns:X="${xmlAttr(p.ns)}"/>`
}

const OK = '<D:status>HTTP/1.1 200 OK</D:status>'
const NOT_FOUND = '<D:status>HTTP/1.1 404 Not Found</D:status>'

/**
 * Renders `<response>` elements for one PROPFIND: built once per request from what it asks
 * for, then applied to each resource (a listing of 100,000 entries pays no per-entry lookup).
 */
export class PropfindRenderer {
  readonly #props: ReadonlyArray<{ readonly name: PropName, readonly render: Render | undefined }>
  readonly #names: boolean
  readonly #allprop: boolean
  readonly #quota: DavQuota | undefined

  constructor (request: { readonly kind: 'allprop', readonly include: readonly PropName[] } | { readonly kind: 'propname' } | { readonly kind: 'prop', readonly props: readonly PropName[] },
    quota: DavQuota | undefined) {
    this.#quota = quota
    this.#names = request.kind === 'propname'
    this.#allprop = request.kind === 'allprop'
    let names: PropName[]
    if (request.kind === 'prop') names = [...request.props]
    else if (request.kind === 'allprop') names = [...ALLPROP.map((name) => ({ ns: DAV_NS, name })), ...request.include]
    else names = [...ALLPROP, 'quota-available-bytes', 'quota-used-bytes'].map((name) => ({ ns: DAV_NS, name }))
    const seen = new Set<string>()
    this.#props = names.filter((n) => {
      const key = `${n.ns} ${n.name}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    }).map((name) => ({ name, render: renderer(name) }))
  }

  /** The `<D:response>` of one resource. */
  response (r: DavResource): string {
    let found = ''
    let missing = ''
    for (const { name, render } of this.#props) {
      const value = render?.(r, this.#quota)
      if (value === undefined) {
        // allprop leaves out what a resource does not have; an explicit request is told 404.
        if (!this.#allprop && !this.#names) missing += emptyElement(name)
      } else {
        found += this.#names ? emptyElement(name) : value
      }
    }
    let out = `<D:response><D:href>${xmlText(r.href)}</D:href>`
    if (found !== '' || missing === '') out += `<D:propstat><D:prop>${found}</D:prop>${OK}</D:propstat>`
    if (missing !== '') out += `<D:propstat><D:prop>${missing}</D:prop>${NOT_FOUND}</D:propstat>`
    return out + '</D:response>'
  }
}

/** Opening of a multistatus document. */
export const MULTISTATUS_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">'
/** Closing of a multistatus document. */
export const MULTISTATUS_TAIL = '</D:multistatus>\n'
