import { parseConfig } from '../lib/config.ts'
import { toSubdomainUrl } from '../lib/subdomain-gateway.ts'
import type { EdgewayConfig } from '../lib/config.ts'

/**
 * Where the demo site opens from the page at `location`: its root's own
 * origin in subdomain mode (where the gateway would redirect anyway), else
 * the path on this origin. Undefined when the gateway has no demo root.
 */
export function demoSiteUrl (config: EdgewayConfig, location: URL): string | undefined {
  if (config.demoRoot == null) return undefined
  const path = new URL(`/ipfs/${config.demoRoot}/`, location)
  return (config.subdomains ? toSubdomainUrl(path, location.host) : null) ?? path.toString()
}

/**
 * Shows `link` (hidden until then) pointing at the gateway's demo site, when
 * `/edgeway.json` names one; `data-demo` on it says which it was, once read.
 */
export async function mountDemoLink (link: HTMLAnchorElement): Promise<void> {
  const config = parseConfig(await (await fetch('/edgeway.json', { cache: 'no-store' })).json())
  const url = demoSiteUrl(config, new URL(link.ownerDocument.location.href))
  link.dataset.demo = url == null ? 'none' : 'linked'
  if (url == null) return
  link.href = url
  link.hidden = false
}
