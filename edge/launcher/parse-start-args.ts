import { parseArgs } from 'node:util'
import { parseHash } from '../bin/parse-edge-args.ts'
import { parseDnslinkFlags } from '../bin/parse-dnslink-flags.ts'
import { UsageError } from '../node/errors.ts'
import type { ImportHash } from '../node/import-hash.ts'

export { UsageError }

export interface StartArgs {
  /** Content for the embedded edge; empty means the demo site */
  serve: string[]
  /** External edges (http URLs or multiaddrs); when given, no edge is embedded */
  edges: string[]
  /** Delegated routing v1 endpoints asked for providers of content the edges lack */
  routers: string[]
  /** No edge at all, embedded or external: every block comes from providers the routers list */
  noEdge: boolean
  /** DNSLink records for the embedded edge, domain → value (see `EdgeOptions.dnslink`) */
  dnslink: Record<string, string>
  /** The hash the embedded edge imports `serve` with (see `EdgeOptions.hash`); undefined: the edge's default */
  hash?: ImportHash
  /** The embedded edge runs edge functions at `/fn/` (see `EdgeOptions.functions`) */
  functions: boolean
  port: number
  host: string
  json: boolean
  timeoutMs?: number
  /**
   * Subdomain mode (the default): every content root on its own origin,
   * `<cid>.ipfs.localhost`; false with `--path-gateway`, where content shares
   * the gateway's origin and the SW serves it sandboxed
   */
  subdomains: boolean
  help: boolean
}

export const START_USAGE = `Usage: npm start -- [options]

Starts an embedded edge (unless --edge is given) and the Edgeway gateway, and
prints the URL to open. Stops cleanly on Ctrl-C / SIGTERM.

  --serve <dir|file.car>    content for the embedded edge (repeatable; default: the demo site);
                            a <name>[_…].ipns-record file is an IPNS record it serves for <name>
  --dnslink <domain>=<value>
                            a DNSLink record the embedded edge answers over DNS-over-HTTPS, the
                            gateway's DNSLink resolver (repeatable). <value>: /ipfs/<cid>[/path],
                            /ipns/<name>[/path] or a CID
  --hash <name>             the hash the embedded edge imports --serve with: sha2-256 (default),
                            blake3 or sha2-512
  --functions               the embedded edge runs edge functions: /fn/<cid>/<path> on the gateway
                            and the edge runs the ES module <cid> in a sandbox (see docs/functions.md)
  --edge <url|multiaddr>    use this edge instead of an embedded one (repeatable); the first
                            one's DNS-over-HTTPS, if its /info has one, resolves DNSLink
  --router <url>            a delegated routing v1 endpoint (Kubo, someguy, an edge) asked for providers
                            of content the edges do not have (repeatable); it sees every CID asked for.
                            A loopback router allows loopback providers, as a local edge does
  --no-edge                 start no embedded edge and use none: content comes only from the providers
                            the routers list (needs --router)
  --port <n>                gateway port, 0 = any free port (default 8080)
  --host <addr>             interface the gateway listens on (default 127.0.0.1)
  --timeout-ms <n>          answer 504 when no block arrives for this long (default 30000)
  --subdomains              give every site its own origin: /ipfs/<cid>/ moves to http://<cid>.ipfs.localhost:<port>/
                            (the default; the flag is still accepted)
  --path-gateway            keep content on the gateway's origin (/ipfs/<cid>/); it is served sandboxed
                            (no scripts), so it cannot reach the gateway's storage or service worker
  --json                    print one JSON line when ready: {"gateway","edges","roots"}
  --help                    show this text

Environment:
  EDGEWAY_DIST_DIR=<dir>    serve the page, SW and SDK from this build instead of dist/ (swap its files to
                            deploy a new version to open pages)`

export function parseStartArgs (argv: string[]): StartArgs {
  let values
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        serve: { type: 'string', multiple: true },
        dnslink: { type: 'string', multiple: true },
        hash: { type: 'string' },
        functions: { type: 'boolean' },
        edge: { type: 'string', multiple: true },
        router: { type: 'string', multiple: true },
        'no-edge': { type: 'boolean' },
        port: { type: 'string' },
        host: { type: 'string' },
        'timeout-ms': { type: 'string' },
        subdomains: { type: 'boolean' },
        'path-gateway': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean' }
      }
    }))
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err))
  }
  const serve = values.serve ?? []
  const edges = values.edge ?? []
  if (serve.length > 0 && edges.length > 0) {
    throw new UsageError('--serve is content for the embedded edge and --edge replaces that edge: give one or the other')
  }
  if (values.dnslink != null && edges.length > 0) {
    throw new UsageError('--dnslink records are answered by the embedded edge and --edge replaces that edge: give one or the other')
  }
  if (values.hash != null && edges.length > 0) {
    throw new UsageError('--hash is how the embedded edge imports its content and --edge replaces that edge: give one or the other')
  }
  if (values.functions === true && edges.length > 0) {
    throw new UsageError('--functions starts the embedded edge with functions and --edge replaces that edge: give one or the other (start those edges with --functions)')
  }
  const noEdge = values['no-edge'] === true
  if (noEdge && (serve.length > 0 || edges.length > 0 || values.dnslink != null || values.hash != null || values.functions === true)) {
    throw new UsageError('--no-edge uses no edge at all: --serve, --edge, --dnslink, --hash and --functions have nothing to apply to')
  }
  if (noEdge && values.router == null) {
    throw new UsageError('--no-edge needs --router: without an edge, the routers\' providers are the only source')
  }
  if (values.subdomains === true && values['path-gateway'] === true) {
    throw new UsageError('--subdomains gives every site its own origin and --path-gateway keeps content on the gateway\'s: give one or the other')
  }
  const routers = values.router ?? []
  for (const router of routers) {
    if (!URL.canParse(router) || !/^https?:$/.test(new URL(router).protocol)) {
      throw new UsageError(`--router must be an http(s) URL, got "${router}"`)
    }
  }
  return {
    serve,
    edges,
    routers,
    noEdge,
    dnslink: parseDnslinkFlags(values.dnslink),
    hash: parseHash(values.hash),
    functions: values.functions === true,
    port: parseNumber('--port', values.port, 8080, 0, 65535),
    host: values.host ?? '127.0.0.1',
    json: values.json === true,
    timeoutMs: values['timeout-ms'] == null ? undefined : parseNumber('--timeout-ms', values['timeout-ms'], 30000, 1, 3_600_000),
    // a site on the gateway's origin could reach the gateway's storage: its own origin is the safe default
    subdomains: values['path-gateway'] !== true,
    help: values.help === true
  }
}

function parseNumber (flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value == null) {
    return fallback
  }
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`)
  }
  return n
}
