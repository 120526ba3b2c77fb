/**
 * Public types of the edge node: what `startEdge()` takes and returns, and the
 * `EdgeInfo` JSON that `/info`, `npm run edge -- --json` and the launcher share.
 */
import type { EdgeFunctionsInit } from './start-functions.ts'
import type { ImportHash } from './import-hash.ts'
import type { IpnsRecordTarget } from './ipns-records.ts'
import type { HeliaWithLibp2p } from '@helia/libp2p'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Identify } from '@libp2p/identify'
import type { Blockstore } from 'interface-blockstore'
import type { HeliaInit } from 'helia'

export interface EdgeOptions {
  /**
   * Content to hold: a directory (UnixFS import, the directory is the root),
   * a `.car` file (every block imported, roots from its header), a
   * `<name>[_…].ipns-record` file (a signed IPNS record, served as it is for
   * `<name>` over delegated routing) or any other file (UnixFS file).
   *
   * @default []
   */
  serve?: string[]
  /**
   * DNSLink records to answer at `/dns-query` (DNS-over-HTTPS, JSON API):
   * domain → `/ipfs/<cid>[/path]`, `/ipns/<name>[/path]` or a bare CID. Each
   * domain answers for itself and for `_dnslink.<domain>`.
   *
   * @default {}
   */
  dnslink?: Record<string, string>
  /**
   * The hash directories and files in `serve` are imported with: every block's
   * CID (CIDv1, raw leaves) carries it. CARs keep the hashes they have.
   *
   * @default 'sha2-256'
   */
  hash?: ImportHash
  /**
   * Interface to listen on, for both WebSockets and HTTP.
   *
   * @default '127.0.0.1'
   */
  host?: string
  /**
   * libp2p WebSocket port; 0 picks a free port.
   *
   * @default 0
   */
  wsPort?: number
  /**
   * HTTP port (trustless gateway, delegated routing, /info); 0 picks a free port.
   *
   * @default 0
   */
  httpPort?: number
  /**
   * Directory for the on-disk blockstore and datastore. With it, a restart
   * keeps the content and the peer id.
   *
   * @default undefined (everything in memory)
   */
  repo?: string
  /**
   * Run edge functions at `/fn/<cid>/<path>` (`--functions`): `true`, or the
   * worker count and sandbox limits. Off, `/fn/` answers 501.
   *
   * @default false
   */
  functions?: boolean | EdgeFunctionsInit
  /**
   * Aborts start-up (import included).
   */
  signal?: AbortSignal
}

/**
 * What an edge tells the world about itself. This is the `EDGE` JSON of the
 * design contract: keep the field names stable.
 */
export interface EdgeInfo {
  /** The libp2p peer id, `12D3Koo…` */
  peerId: string
  /** WebSocket listen addresses, each ending in `/p2p/<peerId>` */
  multiaddrs: string[]
  /** Base URL of the HTTP server, e.g. `http://127.0.0.1:8080` */
  http: string
  /** Each content `serve` entry, exactly as given, mapped to its root CID (CIDv1 string) */
  roots: Record<string, string>
  /** Each `.ipns-record` `serve` entry, exactly as given, mapped to the IPNS name it answers for (`k51…`) */
  ipns: Record<string, string>
  /** The DNS-over-HTTPS (JSON API) endpoint that answers the edge's DNSLink records, `<http>/dns-query` */
  dns: string
  /** Whether it runs edge functions at `<http>/fn/<cid>/<path>` (started with `--functions`) */
  functions: boolean
}

export type EdgeServices = {
  identify: Identify
  relay: CircuitRelayService
}

export type EdgeHelia = HeliaWithLibp2p<EdgeServices>

export interface Edge {
  info: EdgeInfo
  helia: EdgeHelia
  /**
   * The edge's own blocks, without Helia's network fallback: reading a block
   * that is absent throws instead of asking other peers.
   */
  blockstore: Blockstore
  /**
   * Closes HTTP (keep-alive sockets included), then Helia and libp2p, then the
   * stores. Safe to call more than once.
   */
  stop(): Promise<void>
}

/** Helia's datastore type (interface-datastore is not a direct dependency) */
export type Datastore = NonNullable<HeliaInit['datastore']>

/** The local stores an edge runs on: in memory, or on disk under `repo`. */
export interface EdgeStores {
  blockstore: Blockstore
  datastore: Datastore
  close(): Promise<void>
}

/** Where imported blocks go: only `put` and `has` are needed. */
export type ImportTarget = Pick<Blockstore, 'put' | 'has'>

/** Where `serve` entries go: blocks to the blockstore, IPNS records to the edge's record table */
export interface ContentTarget {
  blocks: ImportTarget
  ipnsRecords: IpnsRecordTarget
}

export interface ImportResult {
  /** The `serve` entry as given */
  path: string
  /** The root CID; for an IPNS record, the name it answers for (`k51…`) */
  root: string
  kind: 'directory' | 'car' | 'file' | 'ipns-record'
  /** Blocks written (CAR) or reported by the importer (UnixFS) */
  blocks: number
}
