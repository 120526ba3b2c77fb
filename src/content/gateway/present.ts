import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { directoryListing, listingEtag } from './dir-listing.ts'
import { escapeHtml, htmlPage } from './html-page.ts'
import { acceptsExplicitly } from './negotiate.ts'

const MEDIA_TYPE_DAG_PB = 'application/vnd.ipld.dag-pb'

/** How long a page the gateway renders (listing, preview) may be cached: its template can change, its content cannot. */
const RENDERED_CACHE_CONTROL = 'public, max-age=604800, stale-while-revalidate=2678400'

export interface PresentInit {
  /** What the client asked for, after `?format=` */
  accept: string | null
  ifNoneMatch: string | null
  method: string
  /** The path shown to the user: `/ipfs/<cid>/…` or `/ipns/<name>/…` */
  displayPath: string
  /** The request path inside the content root is empty: no parent directory */
  atRoot: boolean
}

/**
 * A directory answered as its dag-pb node becomes an HTML listing unless the
 * client asked for dag-pb by name: that is what a person opening a gateway
 * link expects. Returns undefined when the response is to be sent as it is.
 */
export async function presentDirectory (response: Response, init: PresentInit): Promise<Response | undefined> {
  const unixfsType = response.headers.get('x-unixfs-type')
  if (response.status !== 200 ||
    (response.headers.get('content-type') ?? '') !== MEDIA_TYPE_DAG_PB ||
    (unixfsType !== 'directory' && unixfsType !== 'hamt-sharded-directory') ||
    acceptsExplicitly(init.accept, MEDIA_TYPE_DAG_PB)) {
    return undefined
  }
  const roots = (response.headers.get('x-ipfs-roots') ?? '').split(',')
  const cid = roots[roots.length - 1] ?? ''
  const headers = renderedHeaders(response.headers, listingEtag(cid))
  if (matchesEtag(init.ifNoneMatch, headers.get('etag'))) {
    await response.body?.cancel()
    return new Response(null, { status: 304, headers })
  }
  const node = new Uint8Array(await response.arrayBuffer())
  const html = new TextEncoder().encode(directoryListing({ node, cid, path: init.displayPath, atRoot: init.atRoot }))
  headers.set('content-length', String(html.byteLength))
  return new Response(init.method === 'HEAD' ? null : html, { status: 200, headers })
}

/**
 * A DAG-JSON or DAG-CBOR node asked for as `text/html` (a browser opening
 * it): a readable page with the node as DAG-JSON, links clickable. `block`
 * is the node's verified block as verified-fetch answered it (`raw`).
 */
export async function presentDag (block: Response, init: PresentInit): Promise<Response> {
  const roots = (block.headers.get('x-ipfs-roots') ?? '').split(',')
  const cid = CID.parse(roots[roots.length - 1] ?? '')
  const headers = renderedHeaders(block.headers, `"DagIndex-${cid.toString()}"`)
  if (matchesEtag(init.ifNoneMatch, headers.get('etag'))) {
    await block.body?.cancel()
    return new Response(null, { status: 304, headers })
  }
  const pretty = asJsonText(cid, new Uint8Array(await block.arrayBuffer()))
  const linked = escapeHtml(pretty).replace(/(&#34;\/&#34;: &#34;)([a-z0-9]+)(&#34;)/g, (_, before: string, link: string, after: string) => `${before}<a href="/ipfs/${link}/">${link}</a>${after}`)
  const html = new TextEncoder().encode(htmlPage(init.displayPath, `<main data-testid="dag-preview">
<h1>${escapeHtml(init.displayPath)}</h1>
<p class="hint">A ${cid.code === dagCbor.code ? 'DAG-CBOR' : 'DAG-JSON'} node, shown as DAG-JSON. As data: <a href="?format=dag-json">dag-json</a> · <a href="?format=dag-cbor">dag-cbor</a> · <a href="?format=car">car</a></p>
<pre><code>${linked}</code></pre>
</main>`, 'pre{background:#f1f3f7;padding:1rem;border-radius:6px;overflow:auto}pre code{background:none;padding:0}'))
  headers.set('content-length', String(html.byteLength))
  return new Response(init.method === 'HEAD' ? null : html, { status: 200, headers })
}

/** A node's block as indented DAG-JSON text. */
function asJsonText (cid: CID, bytes: Uint8Array): string {
  const text = cid.code === dagCbor.code
    ? new TextDecoder().decode(dagJson.encode(dagCbor.decode(bytes)))
    : new TextDecoder().decode(bytes)
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

/** True when a request's If-None-Match names this entity tag (weakly, or `*`). */
export function matchesEtag (ifNoneMatch: string | null, etag: string | null): boolean {
  if (ifNoneMatch == null || etag == null) {
    return false
  }
  const bare = (tag: string): string => tag.trim().replace(/^W\//, '')
  return ifNoneMatch.split(',').some(tag => tag.trim() === '*' || bare(tag) === bare(etag))
}

function renderedHeaders (from: Headers, etag: string): Headers {
  const headers = new Headers(from)
  headers.set('content-type', 'text/html; charset=utf-8')
  headers.set('etag', etag)
  headers.set('cache-control', RENDERED_CACHE_CONTROL)
  headers.delete('content-disposition')
  headers.delete('content-length')
  headers.delete('x-content-type-options')
  return headers
}
