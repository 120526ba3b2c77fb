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
  'Server-Timing'
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
