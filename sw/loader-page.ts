import { formatSourceHeader } from '../src/lib/source-tally.ts'

/** Where the gateway server serves the page build's assets on every origin, content origins included */
export const LOADER_ASSETS_PREFIX = '/_edgeway/'

/**
 * The loader runs our script and nothing else: no inline script, no plugin,
 * no `<base>` that could point its script elsewhere, and no framing by
 * another site. It holds no content: it fetches the content through the SW,
 * counts the bytes and drops them, then loads the content's URL, which the
 * SW answers as content (sandboxed where the origin is shared).
 */
export const LOADER_CSP = "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"

/**
 * The answer that carries the loader page (or the redirect to it): like
 * every SW answer it says where its blocks came from (none) and what the SW
 * spent on it, and like no content answer it is never stored anywhere.
 */
export function loaderHeaders (decisionMs: number, init: Record<string, string> = {}): Headers {
  return new Headers({
    'Cache-Control': 'no-store',
    'X-Edgeway-Source': formatSourceHeader({ cache: 0, edge: 0, peer: 0 }),
    'X-Edgeway-Loader': 'other-browsers',
    'Server-Timing': `edgeway-loader;desc="no edge holds it, browsers do";dur=${decisionMs.toFixed(1)}`,
    ...init
  })
}

/**
 * The progress page's answer (sw/handlers/progress.ts): like the loader's,
 * never stored, no blocks of its own, our script only.
 */
export function progressHeaders (waitedMs: number, init: Record<string, string> = {}): Headers {
  return new Headers({
    'Cache-Control': 'no-store',
    'X-Edgeway-Source': formatSourceHeader({ cache: 0, edge: 0, peer: 0 }),
    'Server-Timing': `edgeway-progress;desc="no first byte yet";dur=${waitedMs.toFixed(1)}`,
    'Content-Security-Policy': LOADER_CSP,
    ...init
  })
}

/** The loader page's shell (see shellPage) */
export function loaderPage (script: string): string {
  return shellPage(script, 'Opening shared content · Edgeway', 'Opening shared content: other browsers hold it…')
}

/**
 * A page's shell: fixed text and its script's URL (a file of the page
 * build, never anything from the request), so nothing the link says can
 * reach its markup. The script (src/ui/loader/, src/ui/progress/) builds the
 * rest, setting what it shows of the link as text.
 */
export function shellPage (script: string, title: string, status: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<script type="module" src="${LOADER_ASSETS_PREFIX}${script}"></script>
</head>
<body>
<p id="fetch-progress" data-testid="fetch-progress" data-bytes="0" role="status" aria-live="polite">${status}</p>
</body>
</html>
`
}
