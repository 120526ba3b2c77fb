import { CID } from 'multiformats/cid'
import { ConfigError } from './errors.ts'
import type { EdgeEndpoint } from './types.ts'

/**
 * The one configuration interface of a gateway or SDK client. The gateway
 * server publishes it as `/edgeway.json`; the SDK takes the same fields.
 * Environments differ by data (this object), never by `if`s in the code.
 */
export interface EdgewayConfig {
  /** Edge nodes to fetch blocks from, best first */
  edges: EdgeEndpoint[]
  /**
   * Delegated routing v1 endpoints (base URLs; `GET <router>/routing/v1/providers/<cid>`)
   * asked for providers of content the edges do not have. A router sees
   * every CID it is asked about. At most `MAX_ROUTERS`; `http://` only with
   * `allowInsecure`.
   *
   * @default []
   */
  routers: string[]
  /**
   * How long a request may wait without any block arriving before it is
   * answered 504 (or, once streaming, aborted)
   *
   * @default 30000
   */
  timeoutMs: number
  /**
   * Allow dialing and fetching from loopback and private addresses. Needed for
   * a local edge; production edges are public.
   *
   * @default false
   */
  allowLocal: boolean
  /**
   * Allow `http://` and `ws://` edges (no TLS).
   *
   * @default false
   */
  allowInsecure: boolean
  /**
   * How far ahead of the reader a file's blocks are fetched, in bytes. Memory
   * per streamed file stays within about twice this.
   *
   * @default 4194304 (4 MiB)
   */
  readAheadBytes: number
  /**
   * The first navigation into a directory whose DAG its node says is at most
   * this many bytes fetches the whole directory in one CAR, so the page's
   * assets come from the store; the CAR is cut off at this many bytes too
   *
   * @default 4194304 (4 MiB)
   */
  smallSiteBytes: number
  /**
   * DNS-over-HTTPS endpoint (JSON API, `?name=…&type=TXT`) that resolves
   * DNSLink names for `/ipns/<domain>`. Without one, DNSLink names are not
   * resolved: nothing asks a public resolver implicitly.
   */
  dohResolver?: string
  /**
   * Subdomain mode: `/ipfs/<cid>/…` and `/ipns/<name>/…` on the gateway's own
   * host redirect to `<cid>.ipfs.<host>` / `<name>.ipns.<host>`, where each
   * content root is its own origin with its own storage.
   *
   * @default false
   */
  subdomains: boolean
  /**
   * Only Edgeway's own code runs on the origin this configuration is served
   * to (the gateway server's origin), so whole files verified once may be
   * kept and answered again without hashing them again. A dApp hosting the
   * SW leaves this off: its scripts can write its origin's storage. Counts
   * nowhere on a content root's own origin (`warmReadMode`).
   *
   * @default false
   */
  verifiedFiles?: boolean
  /**
   * STUN/TURN servers the in-tab peer's WebRTC may use to reach other
   * browsers (`RTCIceServer` objects). None by default: nothing is asked of a
   * public STUN server implicitly, so peers connect where host candidates reach.
   *
   * @default []
   */
  iceServers: IceServer[]
  /**
   * A content root the gateway page links to as something to open: the
   * launcher's demo site. Nothing fetches it until someone follows the link.
   */
  demoRoot?: string
}

/** An `RTCIceServer`, as JSON */
export interface IceServer {
  urls: string | string[]
  username?: string
  credential?: string
}

/** Routers asked at once for one lookup: each is a request per CID, and a few independent ones are plenty. */
export const MAX_ROUTERS = 8

export const DEFAULT_CONFIG: EdgewayConfig = {
  edges: [],
  routers: [],
  timeoutMs: 30_000,
  allowLocal: false,
  allowInsecure: false,
  readAheadBytes: 4 * 1024 * 1024,
  smallSiteBytes: 4 * 1024 * 1024,
  subdomains: false,
  verifiedFiles: false,
  iceServers: []
}

/** Validate untrusted input (JSON from the server, SDK options) into a full config. */
export function parseConfig (input: unknown): EdgewayConfig {
  if (input == null || typeof input !== 'object') {
    throw new ConfigError('Configuration must be an object')
  }
  const raw = input as Record<string, unknown>
  const config: EdgewayConfig = { ...DEFAULT_CONFIG }
  if (raw.edges !== undefined) {
    if (!Array.isArray(raw.edges)) {
      throw new ConfigError('"edges" must be an array')
    }
    config.edges = raw.edges.map(parseEdge)
  }
  for (const key of ['timeoutMs', 'readAheadBytes', 'smallSiteBytes'] as const) {
    const value = raw[key]
    if (value !== undefined) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        throw new ConfigError(`"${key}" must be a positive number`)
      }
      config[key] = value
    }
  }
  if (raw.dohResolver !== undefined) {
    if (typeof raw.dohResolver !== 'string' || !/^https?:\/\//.test(raw.dohResolver)) {
      throw new ConfigError('"dohResolver" must be an http(s) URL')
    }
    config.dohResolver = raw.dohResolver
  }
  if (raw.demoRoot !== undefined) {
    config.demoRoot = parseDemoRoot(raw.demoRoot)
  }
  if (raw.iceServers !== undefined) {
    config.iceServers = parseIceServers(raw.iceServers)
  }
  for (const key of ['allowLocal', 'allowInsecure', 'subdomains', 'verifiedFiles'] as const) {
    if (raw[key] !== undefined) {
      if (typeof raw[key] !== 'boolean') {
        throw new ConfigError(`"${key}" must be true or false`)
      }
      config[key] = raw[key]
    }
  }
  // whoever is on the path to a plain-HTTP resolver answers every DNSLink name, so picks the site a name
  // opens: only where insecure endpoints are allowed anyway (a local edge's /dns-query)
  if (config.dohResolver?.startsWith('http://') === true && !config.allowInsecure) {
    throw new ConfigError('"dohResolver" must be an https:// URL unless "allowInsecure" is true')
  }
  if (raw.routers !== undefined) {
    config.routers = parseRouters(raw.routers, config.allowInsecure)
  }
  return config
}

/**
 * Router base URLs, without a trailing slash or duplicates. A plain-HTTP
 * router is only allowed with `allowInsecure`: whoever is on its path picks
 * the providers asked (their blocks are still verified) and reads every CID.
 */
function parseRouters (input: unknown, allowInsecure: boolean): string[] {
  if (!Array.isArray(input) || !input.every(router => typeof router === 'string')) {
    throw new ConfigError('"routers" must be a list of http(s) URLs')
  }
  const routers = [...new Set(input.map(router => {
    if (!/^https?:\/\//.test(router)) {
      throw new ConfigError(`Router must be an http(s) URL: ${router}`)
    }
    if (router.startsWith('http://') && !allowInsecure) {
      throw new ConfigError(`Router ${router} must be an https:// URL unless "allowInsecure" is true`)
    }
    try {
      const parsed = new URL(router)
      if (parsed.search !== '' || parsed.hash !== '') throw new Error('a query or fragment')
      // `https://router.example/routing/v1` names the same router as `https://router.example`
      return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '').replace(/\/routing\/v1$/, '')}`
    } catch {
      throw new ConfigError(`Invalid router URL: ${router}`)
    }
  }))]
  if (routers.length > MAX_ROUTERS) {
    throw new ConfigError(`"routers" lists ${routers.length} routers; at most ${MAX_ROUTERS} are asked`)
  }
  return routers
}

/**
 * An edge is given as its `/info` object, an HTTP URL, or a multiaddr string.
 */
export function parseEdge (input: unknown): EdgeEndpoint {
  if (typeof input === 'string') {
    if (/^https?:\/\//.test(input)) {
      return { http: normaliseHttpUrl(input), multiaddrs: [] }
    }
    if (input.startsWith('/')) {
      return { multiaddrs: [input], peerId: peerIdOf(input) }
    }
    throw new ConfigError(`Edge must be an http(s) URL or a multiaddr: ${input}`)
  }
  if (input == null || typeof input !== 'object') {
    throw new ConfigError('Edge must be a URL, a multiaddr or an object')
  }
  const raw = input as Record<string, unknown>
  const edge: EdgeEndpoint = { multiaddrs: [] }
  if (raw.http !== undefined) {
    if (typeof raw.http !== 'string' || !/^https?:\/\//.test(raw.http)) {
      throw new ConfigError('Edge "http" must be an http(s) URL')
    }
    edge.http = normaliseHttpUrl(raw.http)
  }
  if (raw.multiaddrs !== undefined) {
    if (!Array.isArray(raw.multiaddrs) || !raw.multiaddrs.every(ma => typeof ma === 'string' && ma.startsWith('/'))) {
      throw new ConfigError('Edge "multiaddrs" must be an array of multiaddr strings')
    }
    edge.multiaddrs = raw.multiaddrs
  }
  if (typeof raw.peerId === 'string') {
    edge.peerId = raw.peerId
  } else {
    edge.peerId = edge.multiaddrs.map(peerIdOf).find(id => id != null)
  }
  if (typeof raw.functions === 'boolean') {
    edge.functions = raw.functions
  }
  if (edge.http == null && edge.multiaddrs.length === 0) {
    throw new ConfigError('Edge needs an "http" URL or at least one multiaddr')
  }
  return edge
}

function parseDemoRoot (input: unknown): string {
  try {
    if (typeof input !== 'string') throw new Error('not a string')
    return CID.parse(input).toV1().toString()
  } catch {
    throw new ConfigError('"demoRoot" must be a CID')
  }
}

function parseIceServers (input: unknown): IceServer[] {
  const valid = (server: Partial<IceServer> | null): boolean => server != null &&
    (typeof server.urls === 'string' || (Array.isArray(server.urls) && server.urls.every(url => typeof url === 'string'))) &&
    (server.username === undefined || typeof server.username === 'string') &&
    (server.credential === undefined || typeof server.credential === 'string')
  if (!Array.isArray(input) || !input.every(valid)) {
    throw new ConfigError('"iceServers" must be a list of {"urls", "username"?, "credential"?} objects')
  }
  return input
}

function normaliseHttpUrl (url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`
  } catch {
    throw new ConfigError(`Invalid edge URL: ${url}`)
  }
}

function peerIdOf (multiaddr: string): string | undefined {
  return /\/p2p\/([^/]+)$/.exec(multiaddr)?.[1]
}
