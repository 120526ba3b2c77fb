/**
 * Defaults of the edge, in one place.
 */

export const DEFAULT_HOST = '127.0.0.1'

/**
 * Circuit relay v2 reservations. A relayed connection is only used by browsers
 * to set up WebRTC between themselves, but tests and demos may also push real
 * data through it, so the limits are generous rather than libp2p's 128 KiB / 2 min.
 */
export const RELAY_LIMITS = {
  maxReservations: 256,
  /** bytes per relayed connection */
  dataLimit: 1n << 32n,
  /** milliseconds per relayed connection */
  durationLimit: 30 * 60_000
}

/** `Cache-Control` for content addressed responses: they never change */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=29030400, immutable'

/**
 * `Cache-Control: max-age` (seconds) of an IPNS record from delegated
 * routing: the record's TTL, else the routing spec's default; never more than
 * `max`, so a record replaced at a restart is picked up within the hour, and
 * never past the record's own expiry.
 */
export const IPNS_MAX_AGE = { default: 60, max: 3600 }

/**
 * TTL (seconds) of the DNSLink TXT records the edge answers over
 * DNS-over-HTTPS, and the max-age of those answers: short, since the table
 * changes with every restart.
 */
export const DNSLINK_TTL_SECONDS = 60

/** How long `stop()` lets in-flight HTTP responses finish before cutting them */
export const HTTP_CLOSE_GRACE_MS = 250

/** Response headers a browser page may read across origins */
export const EXPOSED_HEADERS = [
  'Content-Length',
  'Content-Type',
  'Content-Disposition',
  'Etag',
  'Cache-Control',
  'X-Ipfs-Path',
  'X-Ipfs-Roots',
  'X-Content-Type-Options',
  'Server-Timing',
  'X-Edgeway-Function'
]

/**
 * What one `GET /routing/v1/providers/<cid>` answers at most: the spec's 100
 * records, and 64 KiB, so a reader's buffer and the edge's work per request
 * are small whatever peers announced (one record is at most ~2.5 KiB under
 * `ANNOUNCEMENT_LIMITS`, so 64 KiB holds ~25 of the largest; typical ones fit
 * all 100).
 */
export const ROUTING_ANSWER_LIMITS = {
  maxRecords: 100,
  maxBytes: 64 * 1024
}

/**
 * Provider announcements from browser peers (`PUT /routing/v1/providers`),
 * held in memory: enough for many tabs with large caches, bounded so a peer
 * cannot make the edge hold more.
 */
export const ANNOUNCEMENT_LIMITS = {
  /** a TTL of 0 (or none) means this */
  defaultTtlMs: 30 * 60_000,
  /** a live tab re-announces every third of its TTL, so an hour is ample; longer only lets a forgotten record linger */
  maxTtlMs: 60 * 60_000,
  /** peers listed at once: only live ones are, and the relay holds 256 reservations; room for tabs connected without one */
  maxPeers: 1_024,
  /** a tab's records beyond this push out its oldest ones: what a tab announces last (a publish) stays findable */
  maxBlocksPerPeer: 50_000,
  /** CIDs in one announcement */
  maxCidsPerAnnouncement: 5_000,
  /** bytes of one request body */
  maxBodyBytes: 2 * 1024 * 1024,
  /** announcements in one request: a tab sends one */
  maxAnnouncementsPerRequest: 100,
  /** a tab lists its relay addresses, one or two per edge: 8 of 256 characters keep one record at most ~2.5 KiB */
  maxAddrs: 8,
  maxAddrChars: 256,
  /** protocol names such as `transport-bitswap`: a tab lists one */
  maxProtocols: 4,
  maxProtocolChars: 64,
  /** peer ids one client (HTTP remote address) may hold records for: a household or an office behind one NAT, not a flood */
  maxPeersPerClient: 64,
  /** block records across all peers, ~150 bytes each: the table's memory stays under ~100 MB whatever is announced */
  maxBlockRecords: 500_000,
  /**
   * How long a peer's highest Seq is kept after its records are gone: twice
   * the clock skew an edge accepts (`MAX_CLOCK_SKEW_MS`, 5 min), after which
   * every announcement signed before is refused for its timestamp, so a
   * replay is refused either way (a unit test holds the two together)
   */
  seqMemoryMs: 10 * 60_000,
  /** Seqs kept for peers with no records; the oldest go first (only live peers ever get one) */
  maxForgottenSeqs: 10_000,
  pruneEveryMs: 60_000
}

/**
 * Timeouts of the edge's and the gateway's HTTP servers (node:http's own
 * options: see `connection-limits.ts`). They bound how long a connection may
 * hold a socket without being a request in progress; none of them runs while a
 * response is being sent, so a CAR or a video streaming to a slow (or paused)
 * reader is never cut by them.
 */
export const HTTP_TIMEOUTS = {
  /**
   * From a connection's first byte (or its opening, if it sends nothing) to
   * the end of its request headers. A browser sends its headers in one
   * packet; 10 s leaves room for a slow link, and is what an idle or trickling
   * (slowloris) connection can hold a socket for.
   */
  headersMs: 10_000,
  /**
   * Headers and body of one request. The largest body either server takes is
   * a 2 MiB provider announcement (`ANNOUNCEMENT_LIMITS.maxBodyBytes`): 30 s
   * allows it at ~70 KB/s.
   */
  requestMs: 30_000,
  /** An idle keep-alive connection between requests (node's own default) */
  keepAliveMs: 5_000,
  /** How often node checks the two limits above: the headers limit holds to within this */
  checkEveryMs: 1_000
}

/**
 * Connections the kernel may queue for an HTTP server before it accepts them
 * (node's default is 511; Linux caps it at `net.core.somaxconn`, 4096 here).
 * A flood that opens thousands of connections at once fills a short queue
 * faster than the server accepts and closes them, and the kernel then drops
 * every client's connection attempt, the innocent ones too, which retry only
 * after a second: measured, a request from another address took 1,028 ms.
 */
export const HTTP_LISTEN_BACKLOG = 4_096

/**
 * Connections each HTTP server holds at once. The launcher runs the gateway
 * and its embedded edge as two processes, each with its own file-descriptor
 * limit (node raises the soft limit to the hard one; 20,000 on the machines
 * measured), which an edge shares with libp2p and its block store; a server
 * full takes 5,000 of them, so one server flooded to its cap still leaves its
 * process room, and the other process is not touched. One address (an
 * IPv6 /64) gets a fifth of a server: a browser needs a handful (six per
 * origin over HTTP/1.1), a NAT of many users some hundreds, and one client
 * opening idle sockets holds no more than this.
 */
export const HTTP_CONNECTION_LIMITS = {
  perAddress: 1_000,
  total: 5_000
}

/**
 * Connections of the edge's libp2p node (js-libp2p's connection manager).
 * Set here rather than left to libp2p's defaults, so the fd budget above is
 * in one place: each counts once its WebSocket is upgraded.
 */
export const LIBP2P_CONNECTION_LIMITS = {
  /** Open connections, all peers together (libp2p's default is 300; an edge serves many browsers) */
  maxConnections: 1_000,
  /** Connections still in their noise/yamux handshake: the CPU one client can make the edge spend at once */
  maxIncomingPendingConnections: 10,
  /** New connections per second from one host */
  inboundConnectionThreshold: 5
}

/**
 * Edge functions (`--functions`): the worker pool that runs them and the
 * module sources kept in memory. The sandbox's own limits are
 * `FUNCTION_LIMITS` (src/functions/defaults.ts).
 */
export const FUNCTION_POOL = {
  /** worker threads, each running one call at a time; never more than the machine's cores */
  workers: 2,
  /** calls waiting for a free worker; more are refused with 503 rather than held */
  maxQueued: 256,
  /** how far past its deadlines a call may run before its worker is terminated */
  graceMs: 1_000,
  /** module sources kept decoded, all together: 16 of the largest (1 MiB) modules, far more typical ones */
  sourceCacheBytes: 16 * 1024 * 1024,
  /**
   * request bodies held at once, all calls together, from the first byte read until the call ends: 64 of the
   * largest (1 MiB), far more typical ones; past it a POST is answered 503 before its body is read. Without it,
   * callers that each declare a body and send it slowly made the edge hold 1 MiB apiece for the request timeout
   */
  heldBodyBytes: 64 * 1024 * 1024,
  /**
   * what of `heldBodyBytes` one client (an IPv4 address or an IPv6 /64, as `HTTP_CONNECTION_LIMITS` counts them)
   * may hold: a quarter, 16 of the largest bodies. A browser has six connections to an origin, a NAT of many users
   * rarely 16 large uploads at once; without it, one client declaring 64 bodies and trickling them made every
   * other caller's POST a 503 until the request timeout cut them (and then it reconnected)
   */
  heldBodyBytesPerClient: 16 * 1024 * 1024,
  /**
   * answers not yet taken by their sockets, all calls together, from the function's answer until its socket has taken
   * the last byte: 16 of the largest (4 MiB), far more typical ones; past it a call is answered 503 (before it runs,
   * once the budget is full). A function's answer is whole in memory, unlike content, which streams as its reader
   * reads: without it, 250 readers that never read held 4 MiB apiece, ~1 GiB
   */
  heldAnswerBytes: 64 * 1024 * 1024,
  /** what of `heldAnswerBytes` one client may hold: a quarter, as with request bodies, so one cannot take every caller's answers */
  heldAnswerBytesPerClient: 16 * 1024 * 1024,
  /**
   * how long an answer's socket may take nothing before the answer is cut and its bytes freed (nginx's
   * `send_timeout` is 60 s): as long as a whole request may take to arrive (`HTTP_TIMEOUTS.requestMs`). A reader that
   * takes nothing of a 4 MiB answer for that long has gone, or means to hold the edge's memory
   */
  answerStallMs: 30_000
}
