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
   * STUN/TURN servers the in-tab peer's WebRTC may use to reach other
   * browsers (`RTCIceServer` objects). None by default: nothing is asked of a
   * public STUN server implicitly, so peers connect where host candidates reach.
   *
   * @default []
   */
  iceServers: IceServer[]
}

/** An `RTCIceServer`, as JSON */
export interface IceServer {
  urls: string | string[]
  username?: string
  credential?: string
}

export const DEFAULT_CONFIG: EdgewayConfig = {
  edges: [],
  timeoutMs: 30_000,
  allowLocal: false,
  allowInsecure: false,
  readAheadBytes: 4 * 1024 * 1024,
  subdomains: false,
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
  for (const key of ['timeoutMs', 'readAheadBytes'] as const) {
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
  if (raw.iceServers !== undefined) {
    config.iceServers = parseIceServers(raw.iceServers)
  }
  for (const key of ['allowLocal', 'allowInsecure', 'subdomains'] as const) {
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
  return config
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
  if (edge.http == null && edge.multiaddrs.length === 0) {
    throw new ConfigError('Edge needs an "http" URL or at least one multiaddr')
  }
  return edge
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
