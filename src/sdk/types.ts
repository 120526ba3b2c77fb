/**
 * The SDK's public types that are its own: a dApp's compiler reads these
 * (through the packed SDK's declarations) with nothing installed but the
 * SDK, so they import no package and nothing of the engine
 * (build/sdk-package.ts fails the build if they do).
 */
import type { CacheUsage, PinInfo, PinProgressEvent, TabPeerStatus } from '../lib/types.ts'

/** The signal every async call takes (the same shape as libp2p's and Helia's `AbortOptions`) */
export interface AbortOptions {
  signal?: AbortSignal
}

/** A CID object, such as multiformats' `CID` (any copy of the package): what `pin` and `unpin` take besides a string */
export interface CidLike {
  readonly version: number
  readonly code: number
  readonly bytes: Uint8Array
  toString(): string
}

/**
 * A block store of the dApp's own: an `interface-blockstore` `Blockstore`
 * (such as blockstore-idb's or blockstore-core's). Named by its methods
 * only, so these types need no package; the client checks it has them all
 * when it is created.
 */
export interface UserBlockstore {
  get(...args: never[]): unknown
  put(...args: never[]): unknown
  has(...args: never[]): unknown
  delete(...args: never[]): unknown
}

export interface CacheOptions {
  /**
   * The most bytes of unpinned blocks this origin keeps; least recently used
   * blocks are evicted past it. Stored for the origin, so the gateway's
   * service worker keeps to it too. Pinned blocks do not count.
   *
   * @default what was set before on this origin, else half the storage quota, at most 4 GiB
   */
  cacheBudgetBytes?: number
}

export interface PinOptions extends AbortOptions {
  /** Told each block the pin takes into the store (`edgeway:pin:block`) */
  onProgress?(event: PinProgressEvent): void
}

/** The local store's budget and pins, as a dApp controls them. */
export interface CacheControls {
  /**
   * Keeps `cid`'s whole DAG offline: every block is fetched (and verified)
   * unless it is already stored, and none is evicted until `unpin`. Asks the
   * browser to make the origin's storage persistent. Pinning a pinned CID
   * checks that its blocks are all there.
   */
  pin(cid: CidLike | string, options?: PinOptions): Promise<PinInfo>
  /** Releases a pin: its blocks are evicted like any others once the budget needs it. False when it was not pinned */
  unpin(cid: CidLike | string, options?: AbortOptions): Promise<boolean>
  /** Pins on this origin, oldest first (the page's and every dApp's: the store is shared) */
  pins(options?: AbortOptions): Promise<PinInfo[]>
  /** Bytes cached and pinned, and the budget */
  usage(options?: AbortOptions): Promise<CacheUsage>
  /** Sets the origin's cache budget in bytes (`undefined`: back to the default) and evicts down to it */
  setCacheBudget(bytes: number | undefined, options?: AbortOptions): Promise<void>
}

export interface EdgePeerOptions {
  /**
   * Serve other browsers what this page shares (answer their requests and
   * list it at the edges): by default what it published (`add()`) or
   * pinned; `false` keeps the peer for fetching and publishing only
   *
   * @default true
   */
  serving?: boolean
  /**
   * Also share everything this page's store holds, including content it only
   * viewed. Anyone can then ask the edges which content this browser viewed:
   * turn it on only when the user chose it
   *
   * @default false
   */
  shareViewed?: boolean
}

/** The SDK's view of the page's peer. */
export interface EdgePeerHandle {
  /** Whether a peer runs in this page (the `peer` option) */
  readonly enabled: boolean
  /** Its state: peers connected, bytes served, its relay addresses; undefined without a peer */
  status(): Promise<TabPeerStatus | undefined>
  /** Switches serving other browsers on or off */
  setServing(on: boolean): Promise<void>
  /**
   * Shares what this page merely viewed too, or stops; resolves once the
   * peer acts on it (off: those blocks are refused and their records withdrawn)
   */
  setShareViewed(on: boolean): Promise<void>
}

/** `client.invoke`'s options: `fetch`'s, and where the function runs and whether its answer is checked */
export interface InvokeInit extends RequestInit {
  /**
   * Where the function runs: on an edge that runs functions (best first by
   * health, the next one when an edge cannot), or only in this browser, in a
   * Worker with the same sandbox (offline too, once the module is cached)
   *
   * @default 'edge'
   */
  where?: 'edge' | 'local'
  /**
   * `'recompute'`: also run the function in this browser on the same request
   * and reject with `FunctionVerificationError` when the edge's status or body
   * differs. Meaningful for deterministic functions only
   *
   * @default 'none'
   */
  verify?: 'none' | 'recompute'
}
