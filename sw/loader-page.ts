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
 * The loader page: fixed text and the loader script's URL (a file of the
 * page build, never anything from the request), so nothing the link says can
 * reach its markup. The script fills in the rest with `textContent`.
 */
export function loaderPage (script: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Opening shared content · Edgeway</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
<script type="module" src="${LOADER_ASSETS_PREFIX}${script}"></script>
</head>
<body>
<main class="loader" data-testid="loader">
<h1>Opening shared content</h1>
<p class="why">No edge server holds this content, but other browsers do. This tab fetches it from them and checks every block against its hash before showing it.</p>
<p class="address" id="loader-address"></p>
<ol class="steps" id="loader-steps">
<li data-step="peer">Starting this tab's peer</li>
<li data-step="peers">Looking for browsers that hold it</li>
<li data-step="fetch">Fetching and verifying</li>
<li data-step="show">Showing it</li>
</ol>
<progress id="loader-bar" aria-label="Fetching"></progress>
<p class="progress" id="fetch-progress" data-testid="fetch-progress" data-bytes="0" role="status" aria-live="polite">Starting…</p>
<p class="error" id="loader-error" role="alert" hidden></p>
<p class="note">This tab only fetches: it shares nothing with other browsers.</p>
</main>
</body>
</html>
`
}

const STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.45; }
body { margin: 0; background: Canvas; color: CanvasText; }
.loader { max-width: 36rem; margin: 0 auto; padding: 2.5rem 1.25rem; }
h1 { font-size: 1.4rem; margin: 0 0 .75rem; }
.why, .note { color: GrayText; margin: 0 0 1rem; }
.note { font-size: .85rem; margin-top: 1.5rem; }
.address { font-family: ui-monospace, monospace; font-size: .85rem; overflow-wrap: anywhere; padding: .5rem .75rem; border-radius: .4rem; background: color-mix(in srgb, CanvasText 7%, Canvas); }
.steps { padding-left: 1.4rem; margin: 1.25rem 0; }
.steps li { color: GrayText; margin: .3rem 0; }
.steps li[data-state="active"] { color: CanvasText; font-weight: 600; }
.steps li[data-state="done"] { color: CanvasText; }
.steps li[data-state="done"]::after { content: " ✓"; color: #2a8a4a; }
progress { width: 100%; height: .6rem; }
.progress { font-variant-numeric: tabular-nums; margin: .5rem 0 0; }
.error { color: #b3261e; font-weight: 600; }
.error a { color: inherit; }
`
