import { resolve } from 'node:path'
import { parseConfig } from '../../src/lib/config.ts'
import { startGateway } from '../gateway/start-gateway.ts'
import { addressPermissions } from '../launcher/address-permissions.ts'
import { edgeLines } from '../launcher/edge-lines.ts'
import { ensureBuild } from '../launcher/ensure-build.ts'
import { START_USAGE, UsageError, parseStartArgs } from '../launcher/parse-start-args.ts'
import { startEdges } from '../launcher/start-edges.ts'
import { toSubdomainUrl } from '../../src/lib/subdomain-gateway.ts'

const DEMO_DIR = resolve(import.meta.dirname, '../../demo')

async function main (): Promise<void> {
  const args = parseStartArgs(process.argv.slice(2))
  if (args.help) {
    process.stdout.write(`${START_USAGE}\n`)
    return
  }
  const say = (line: string): void => { if (!args.json) process.stderr.write(`${line}\n`) }
  await ensureBuild({ log: say })

  const { edges, roots, ipns, dohResolver, stop: stopEdges } = await startEdges(args, { demoDir: DEMO_DIR, log: say })
  const stops: Array<() => Promise<void>> = [stopEdges]
  const { allowLocal, allowInsecure } = addressPermissions(edges, args.routers)
  // an http:// resolver decides what every DNSLink name opens, so it is used only where http:// edges are anyway
  const secureResolver = dohResolver?.startsWith('https://') === true || allowInsecure ? dohResolver : undefined
  if (dohResolver != null && secureResolver == null) {
    say(`not resolving DNSLink through ${dohResolver}: an http:// resolver is used only with http:// edges`)
  }
  const config = parseConfig({
    edges,
    routers: args.routers,
    timeoutMs: args.timeoutMs,
    allowLocal,
    allowInsecure,
    subdomains: args.subdomains,
    dohResolver: secureResolver,
    // the gateway page links to the demo site when this launcher serves it
    demoRoot: roots[DEMO_DIR]
  })
  // EDGEWAY_DIST_DIR: serve another build of the page and SW than the project's dist/ (a deployment that swaps
  // builds in place; e2e/update-reset.spec.ts deploys a new version this way); files are read per request
  const distDir = process.env.EDGEWAY_DIST_DIR === '' ? undefined : process.env.EDGEWAY_DIST_DIR
  const gateway = await startGateway({ config, port: args.port, host: args.host, distDir })
  stops.unshift(async () => { await gateway.stop() })

  if (args.json) {
    process.stdout.write(`${JSON.stringify({ gateway: gateway.url, edges, roots })}\n`)
  } else {
    say('')
    say(`Edgeway gateway: ${gateway.url}`)
    if (args.noEdge) {
      say(`  no edge: content comes from the providers ${args.routers.join(', ')} list`)
    }
    for (const [path, cid] of Object.entries(roots)) {
      const site = new URL(`/ipfs/${cid}/`, gateway.url)
      say(`  ${path === DEMO_DIR ? 'demo site' : path}: ${(args.subdomains ? toSubdomainUrl(site, site.host) : null) ?? site.toString()}`)
    }
    for (const name of [...Object.values(ipns), ...Object.keys(args.dnslink)]) {
      say(`  ${gateway.url}/ipns/${name}/`)
    }
    edgeLines(edges).forEach(say)
    if (!args.subdomains) {
      say('Path gateway: content shares the gateway\'s origin and is served sandboxed, without scripts.')
    }
    say('Press Ctrl-C to stop.')
  }

  let stopping = false
  const shutdown = (): void => {
    if (stopping) return
    stopping = true
    Promise.all(stops.map(async stop => stop())).then(() => { process.exit(0) }, () => { process.exit(1) })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

main().catch(err => {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n\n${START_USAGE}\n`)
    process.exit(2)
  }
  const message = err instanceof Error ? err.message : String(err)
  const hint = (err as { code?: string }).code === 'EADDRINUSE' ? ' (another program has this port: pick one with --port <n>, or --port 0 for any free port)' : ''
  process.stderr.write(`edgeway: ${message}${hint}\n`)
  process.exit(1)
})
