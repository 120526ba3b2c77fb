/** The HTML every page the gateway writes itself shares: error pages, directory listings, DAG previews. */
export function htmlPage (title: string, body: string, css = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Edgeway</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:3rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.4rem;margin:0 0 .5rem;word-break:break-all}code{background:#f1f3f7;padding:.1rem .3rem;border-radius:4px;word-break:break-all}
p.hint{color:#4a5468}a{color:#2356c7}${css}</style></head>
<body>${body}</body></html>`
}

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}
