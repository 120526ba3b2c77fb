import * as dagPb from '@ipld/dag-pb'
import { formatBytes } from '../../lib/format-bytes.ts'
import { escapeHtml, htmlPage } from './html-page.ts'

export interface ListingInit {
  /** The directory's own dag-pb node (for a HAMT, verified-fetch's flattened copy) */
  node: Uint8Array
  /** The directory's CID, as text */
  cid: string
  /** The path shown and linked, `/ipfs/<cid>/<path>/` or `/ipns/<name>/<path>/`, percent-encoded */
  path: string
  /** The directory is the content root: it has no parent to link to */
  atRoot: boolean
}

/** Bumped whenever the listing's HTML changes, so cached copies are not served for the new one. */
const TEMPLATE_VERSION = 'edgeway1'

/**
 * The HTML page a browser gets for a UnixFS directory without an
 * index.html: every entry as a link relative to the directory's URL (which
 * always ends in '/'), so the same page works on path and subdomain origins.
 * Sizes are the entries' DAG sizes, read from the directory node itself:
 * listing a directory never fetches its children.
 */
export function directoryListing (init: ListingInit): string {
  const { Links } = dagPb.decode(init.node)
  const rows = Links.map(link => {
    const name = link.Name ?? ''
    return `<tr><td><a href="./${encodeURIComponent(name)}">${escapeHtml(name)}</a></td><td class="size">${link.Tsize == null ? '' : formatBytes(link.Tsize)}</td><td class="cid"><code>${escapeHtml(link.Hash.toString())}</code></td></tr>`
  })
  if (!init.atRoot) {
    rows.unshift('<tr><td><a href="../">..</a></td><td></td><td></td></tr>')
  }
  const shown = safeDecode(init.path)
  return htmlPage(`Index of ${shown}`, `<main data-testid="directory-listing">
<h1>Index of ${escapeHtml(shown)}</h1>
<p class="hint">${Links.length} ${Links.length === 1 ? 'entry' : 'entries'} · <code>${escapeHtml(init.cid)}</code></p>
<table><thead><tr><th>Name</th><th>Size</th><th>CID</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
</main>`, 'table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e3e6ec}td.size{white-space:nowrap;color:#4a5468}td.cid code{font-size:.8rem}')
}

/** A listing's entity tag: the directory's CID with the template version, so it changes with either. */
export function listingEtag (cid: string): string {
  return `"DirIndex-${TEMPLATE_VERSION}_CID-${cid}"`
}

function safeDecode (path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}
