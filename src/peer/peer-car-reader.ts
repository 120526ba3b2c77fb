import { peerIdFromCID } from '@libp2p/peer-id'
import { raceSignal } from 'race-signal'
import { HedgeFailedError, OutpacedError, hedge } from '../lib/hedge.ts'
import { NoPeerCarError, PeerCarLieError } from '../lib/peer-car.ts'
import { readPeerCar } from './car-client.ts'
import type { PeerCarBlock } from './car-client.ts'
import type { CarQuery } from '../node/edge-car-fetcher.ts'
import type { EdgeProviderRouter } from './edge-provider-router.ts'
import type { Provider } from '@helia/interface'
import type { AbortOptions, Connection, Libp2p, Logger } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Longest the routing lookup and the dials for one CAR may take before it counts as nobody's */
const FIND_TIMEOUT_MS = 8_000
/** Longest one dial to a browser (WebRTC through a relay) may take */
const DIAL_TIMEOUT_MS = 5_000
/**
 * How long a dial has alone before the next listed browser is dialled too:
 * a WebRTC dial through a relay takes 0.3-0.5 s here when it works, and one
 * to a browser that went away or stalls takes the whole DIAL_TIMEOUT_MS,
 * which the edges' stream fills meanwhile
 */
export const DIAL_STAGGER_MS = 1_000
/** Browsers dialled at once for one CAR, at most */
const MAX_DIALS = 3
/** Peers remembered for their throughput or for a lie; the oldest is forgotten first */
const MAX_REMEMBERED = 256
/** How much a new measurement counts against what was known of a peer */
const EWMA_WEIGHT = 0.5

export interface PeerCarReaderInit {
  libp2p: Pick<Libp2p, 'dial' | 'getConnections'>
  /** Finds the browsers that announce a root (the edges' routing, as the bitswap sessions use) */
  router: Pick<EdgeProviderRouter, 'findProviders'>
  log: Logger
  /** @default DIAL_STAGGER_MS */
  dialStaggerMs?: number
}

export interface CarBlocksOptions extends AbortOptions {
  /** The content root the browsers announce: they are looked up by it */
  root: CID
}

/**
 * Reads CARs from other browsers: finds those announcing the root through
 * the edges' routing, prefers one already connected over WebRTC and then the
 * fastest measured so far, and streams the CAR from it, every block hashed
 * on arrival. A dial that has not connected within DIAL_STAGGER_MS has the
 * next browser dialled beside it, the first connection wins. A browser that
 * refuses or breaks before its first block makes
 * way for the next; once blocks flowed, a failure ends the read with its
 * typed error and the caller goes on from where it is (elsewhere, or here
 * again, when this browser is asked for the rest).
 */
export class PeerCarReader {
  private readonly libp2p: PeerCarReaderInit['libp2p']
  private readonly router: Pick<EdgeProviderRouter, 'findProviders'>
  private readonly log: Logger
  private readonly dialStaggerMs: number
  /** Bytes per second of earlier CARs, by peer id */
  private readonly speeds = new Map<string, number>()
  /** Peers that sent a block not matching its CID: never asked again */
  private readonly liars = new Set<string>()

  constructor (init: PeerCarReaderInit) {
    this.libp2p = init.libp2p
    this.router = init.router
    this.log = init.log
    this.dialStaggerMs = init.dialStaggerMs ?? DIAL_STAGGER_MS
  }

  async * carBlocks (query: CarQuery, options: CarBlocksOptions): AsyncGenerator<PeerCarBlock> {
    options.signal?.throwIfAborted()
    const request = { cid: query.cid.toString(), path: query.path, range: query.range, scope: query.scope ?? 'entity' }
    let candidates = await this.candidates(options.root, options)
    const found = candidates.length
    const failures: string[] = []
    while (candidates.length > 0) {
      const next = await this.connectFirst(candidates, failures, options)
      if (next == null) {
        break
      }
      const { provider, connection } = next
      candidates = candidates.filter(candidate => candidate !== provider)
      const peer = connection.remotePeer.toString()
      const started = performance.now()
      let bytes = 0
      try {
        for await (const block of readPeerCar(connection, request, options)) {
          bytes += block.bytes.byteLength
          yield block
        }
        this.measure(peer, bytes, performance.now() - started)
        return
      } catch (err) {
        options.signal?.throwIfAborted()
        if (err instanceof PeerCarLieError) {
          remember(this.liars, peer)
        }
        this.measure(peer, bytes, performance.now() - started)
        if (bytes > 0 || err instanceof PeerCarLieError) {
          throw err
        }
        this.log('%s did not send a CAR of %c - %e', peer, query.cid, err)
        failures.push(`${peer}: ${(err as Error).message}`)
      }
    }
    throw new NoPeerCarError(`no browser sent a CAR of ${query.cid} (${found} found${failures.length > 0 ? `; ${failures.join('; ')}` : ''})`)
  }

  /** The browsers announcing `root`: connected over WebRTC first, then the fastest so far, liars left out */
  private async candidates (root: CID, options: AbortOptions): Promise<Provider[]> {
    const found: Provider[] = []
    const signal = AbortSignal.any([AbortSignal.timeout(FIND_TIMEOUT_MS), ...(options.signal == null ? [] : [options.signal])])
    try {
      for await (const provider of this.router.findProviders(root, { signal })) {
        if (!this.liars.has(peerIdFromCID(provider.id).toString())) {
          found.push(provider)
        }
      }
    } catch {
      options.signal?.throwIfAborted()
    }
    const rank = (provider: Provider): number => {
      const peer = peerIdFromCID(provider.id)
      const connected = this.libp2p.getConnections(peer).some(connection => connection.limits == null)
      return (connected ? 1e12 : 0) + (this.speeds.get(peer.toString()) ?? 0)
    }
    return found.sort((a, b) => rank(b) - rank(a))
  }

  /**
   * The first of `candidates` (in their order) to give a WebRTC connection:
   * a connected one at once; else each is dialled in turn, the next one
   * DIAL_STAGGER_MS after the one before or as soon as it failed, up to
   * MAX_DIALS. Those that fail are dropped from `candidates` with their
   * reason in `failures`; undefined when none connects.
   */
  private async connectFirst (candidates: Provider[], failures: string[], options: AbortOptions): Promise<{ provider: Provider, connection: Connection } | undefined> {
    while (candidates.length > 0) {
      try {
        const win = await hedge(candidates.slice(0, MAX_DIALS), async (provider, signal) => {
          try {
            return await this.connect(provider, signal)
          } catch (err) {
            if (!(signal.reason instanceof OutpacedError)) {
              failures.push(`${peerIdFromCID(provider.id).toString()}: ${(err as Error).message}`)
              candidates.splice(candidates.indexOf(provider), 1)
            }
            throw err
          }
        }, { delayMs: () => this.dialStaggerMs, signal: options.signal })
        return { provider: win.candidate, connection: win.value }
      } catch (err) {
        options.signal?.throwIfAborted()
        // every one dialled failed (and left `candidates`): the next ones, if any
        if (!(err instanceof HedgeFailedError)) throw err
      }
    }
    return undefined
  }

  /** A connection that carries the CAR: WebRTC, not the relay's limited one */
  private async connect (provider: Provider, signal: AbortSignal): Promise<Connection> {
    const peer = peerIdFromCID(provider.id)
    const open = this.libp2p.getConnections(peer).find(connection => connection.limits == null)
    if (open != null) {
      return open
    }
    // a CAR given up (the SW gave its piece to a faster source) or a dial outpaced by another leaves the dial
    // running, within its own time limit: the connection serves the next CAR, which would otherwise pay for a
    // whole dial again
    const dialing = this.libp2p.dial(provider.multiaddrs.map(ma => ma.encapsulate(`/p2p/${peer.toString()}`)), { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
    dialing.catch((err: Error) => { this.log('could not dial %p for a CAR - %e', peer, err) })
    const connection = await raceSignal(dialing, signal)
    if (connection.limits != null) {
      throw new Error('reached only through the relay, not over WebRTC')
    }
    return connection
  }

  private measure (peer: string, bytes: number, ms: number): void {
    if (bytes === 0 || ms <= 0) return
    const speed = bytes / (ms / 1000)
    const known = this.speeds.get(peer)
    this.speeds.delete(peer)
    this.speeds.set(peer, known == null ? speed : known * (1 - EWMA_WEIGHT) + speed * EWMA_WEIGHT)
    if (this.speeds.size > MAX_REMEMBERED) {
      this.speeds.delete(this.speeds.keys().next().value as string)
    }
  }
}

function remember (set: Set<string>, peer: string): void {
  set.add(peer)
  if (set.size > MAX_REMEMBERED) {
    set.delete(set.values().next().value as string)
  }
}
