import { toString } from 'uint8arrays/to-string'
import { WITHDRAW_TTL_MS } from '../../src/lib/provider-announcement.ts'
import { PeerNotConnectedError, StaleSeqError, TooManyPeersError } from './announcement-refusals.ts'
import { ANNOUNCEMENT_LIMITS } from './defaults.ts'
import { ForgottenSeqs } from './forgotten-seqs.ts'
import type { PeerRecord } from './delegated-routing.ts'
import type { VerifiedAnnouncement } from '../../src/lib/provider-announcement.ts'
import type { CID } from 'multiformats/cid'

export type ProviderTableLimits = Pick<typeof ANNOUNCEMENT_LIMITS,
'defaultTtlMs' | 'maxTtlMs' | 'maxPeers' | 'maxBlocksPerPeer' | 'maxPeersPerClient' | 'maxBlockRecords' | 'seqMemoryMs' | 'maxForgottenSeqs' | 'pruneEveryMs'>

export interface ProviderTableInit {
  /** Whether `peerId` can be reached through this edge now (it holds a connection here) */
  isLive(peerId: string): boolean
  /** @default ANNOUNCEMENT_LIMITS */
  limits?: ProviderTableLimits
}

export interface AddOptions {
  /** Who sent the request (its remote address): one client may hold records for `maxPeersPerClient` peers */
  client: string
  /** @default Date.now() */
  now?: number
}

interface AnnouncedPeer {
  addrs: string[]
  protocols: string[]
  /** multihash key → when the record expires (ms since the epoch); oldest announced first */
  blocks: Map<string, number>
  client: string
  /** the highest Seq accepted from this peer */
  seq: number
}

/**
 * The blocks other peers (browsers) announced they can serve, kept in memory
 * only. A peer is taken and listed only while it is live here (a browser is
 * reachable through this edge only then); its records go when it disconnects
 * and expire at their TTL. Every part is bounded: records per peer, peers per
 * client, peers and block records in all. The edge never holds, fetches or
 * checks the announced bytes; a reader verifies them.
 */
export class ProviderTable {
  /** in order of last announcement, most recent last */
  private readonly peers = new Map<string, AnnouncedPeer>()
  /** client → the peers it holds records for */
  private readonly clients = new Map<string, Set<string>>()
  private readonly forgotten: ForgottenSeqs
  private readonly isLive: (peerId: string) => boolean
  private readonly limits: ProviderTableLimits
  private blockRecords = 0
  private prunedAt = 0

  constructor ({ isLive, limits = ANNOUNCEMENT_LIMITS }: ProviderTableInit) {
    this.isLive = isLive
    this.limits = limits
    this.forgotten = new ForgottenSeqs({ retainMs: limits.seqMemoryMs, maxEntries: limits.maxForgottenSeqs })
  }

  /** What the table holds, for tests and logs */
  get size (): { peers: number, blockRecords: number, forgottenSeqs: number } {
    return { peers: this.peers.size, blockRecords: this.blockRecords, forgottenSeqs: this.forgotten.size }
  }

  /**
   * Adds (or, with a TTL of 1 ms, withdraws) verified announcements, at most
   * one per peer: all of them, or, if any is refused, none. Throws
   * `PeerNotConnectedError`, `StaleSeqError` or `TooManyPeersError`.
   */
  add (batch: VerifiedAnnouncement[], { client, now = Date.now() }: AddOptions): void {
    this.pruneIfDue(now)
    this.admit(batch, client, now)
    for (const announcement of batch) {
      this.store(announcement, client, now)
    }
  }

  /**
   * Live peers with an unexpired record for `cid`'s block, in the order a
   * capped answer should keep them: one peer of each client (remote address)
   * in turn, so no one address can fill the answer, and within a client the
   * most recently announced first, as a browser that just announced is the
   * likeliest to still be there.
   */
  providersOf (cid: CID, now: number = Date.now()): PeerRecord[] {
    const key = keyOf(cid)
    // clients in the order of their latest announcement, each with its peers latest first
    const byClient = new Map<string, PeerRecord[]>()
    let count = 0
    for (const [id, peer] of [...this.peers].reverse()) {
      const expires = peer.blocks.get(key)
      if (expires != null && expires > now && this.isLive(id)) {
        const records = byClient.get(peer.client) ?? []
        records.push({ Schema: 'peer', ID: id, Addrs: peer.addrs, Protocols: peer.protocols })
        byClient.set(peer.client, records)
        count++
      }
    }
    const interleaved: PeerRecord[] = []
    for (let turn = 0; interleaved.length < count; turn++) {
      for (const records of byClient.values()) {
        if (turn < records.length) interleaved.push(records[turn])
      }
    }
    return interleaved
  }

  /** Forgets every record of `peerId` (it disconnected), keeping its Seq for a while. */
  dropPeer (peerId: string, now: number = Date.now()): void {
    this.forget(peerId, now)
  }

  private admit (batch: VerifiedAnnouncement[], client: string, now: number): void {
    const newPeers = new Set<string>()
    for (const { peerId, seq, ttlMs } of batch) {
      if (!this.isLive(peerId)) {
        throw new PeerNotConnectedError(`${peerId} has no connection to this edge, so nobody can reach it through here: connect (and reserve a relay slot) before announcing`)
      }
      const seen = this.peers.get(peerId)?.seq ?? this.forgotten.get(peerId, now)
      if (seen != null && seq <= seen) {
        throw new StaleSeqError(`"Seq" ${seq} of ${peerId} is not above ${seen}, the highest this edge has seen from it: an old announcement cannot be sent again`)
      }
      if (ttlMs !== WITHDRAW_TTL_MS && this.peers.get(peerId)?.client !== client) {
        newPeers.add(peerId)
      }
    }
    const holding = this.clients.get(client)?.size ?? 0
    if (newPeers.size > 0 && holding + newPeers.size > this.limits.maxPeersPerClient) {
      throw new TooManyPeersError(`this address already holds records for ${holding} peer ids, and may hold at most ${this.limits.maxPeersPerClient}`)
    }
  }

  private store ({ peerId, cids, addrs, protocols, ttlMs, seq }: VerifiedAnnouncement, client: string, now: number): void {
    let peer = this.peers.get(peerId)
    if (peer == null) {
      this.makeRoomForPeer(now)
      peer = { addrs, protocols, blocks: new Map(), client, seq }
      this.forgotten.delete(peerId)
    } else {
      this.peers.delete(peerId)
    }
    this.peers.set(peerId, peer)
    if (peer.client !== client) {
      this.leaveClient(peerId, peer.client)
    }
    peer.client = client
    this.clientPeers(client).add(peerId)
    // the newest announcement says where the peer is now
    peer.seq = seq
    peer.addrs = addrs
    peer.protocols = protocols

    if (ttlMs === WITHDRAW_TTL_MS) {
      cids.forEach(cid => { this.deleteRecord(peer, keyOf(cid)) })
    } else {
      const expires = now + (ttlMs === 0 ? this.limits.defaultTtlMs : Math.min(ttlMs, this.limits.maxTtlMs))
      for (const cid of cids) {
        // delete first, so the Map's order stays oldest-announced first
        const key = keyOf(cid)
        this.deleteRecord(peer, key)
        peer.blocks.set(key, expires)
        this.blockRecords++
      }
      this.evictOldest(peer, peer.blocks.size - this.limits.maxBlocksPerPeer)
      this.makeRoomForRecords(now)
    }
    if (peer.blocks.size === 0) {
      this.forget(peerId, now)
    }
  }

  /** At `maxPeers`: first expired records, then peers that are not live, then the peer that announced least recently. */
  private makeRoomForPeer (now: number): void {
    if (this.peers.size < this.limits.maxPeers) return
    this.pruneIfDue(now)
    if (this.peers.size < this.limits.maxPeers) return
    this.dropDeadPeers(now)
    for (const oldest of this.peers.keys()) {
      if (this.peers.size < this.limits.maxPeers) break
      this.forget(oldest, now)
    }
  }

  /**
   * Over `maxBlockRecords`: first expired records, then peers that are not
   * live, then the oldest records of whichever peer holds the most. That last
   * step is a fair share: a peer announcing a lot cannot push out a small one.
   */
  private makeRoomForRecords (now: number): void {
    if (this.blockRecords <= this.limits.maxBlockRecords) return
    this.pruneIfDue(now)
    if (this.blockRecords <= this.limits.maxBlockRecords) return
    this.dropDeadPeers(now)
    if (this.blockRecords > this.limits.maxBlockRecords) {
      this.shareOut(this.blockRecords - this.limits.maxBlockRecords, now)
    }
  }

  /**
   * Evicts at least `count` records, oldest first, from the largest peers
   * only: they are cut down to one level, the highest that frees enough.
   */
  private shareOut (count: number, now: number): void {
    const bySize = [...this.peers].sort(([, a], [, b]) => b.blocks.size - a.blocks.size)
    let above = 0
    let total = 0
    let level = 0
    while (above < bySize.length) {
      total += bySize[above][1].blocks.size
      above++
      const next = bySize[above]?.[1].blocks.size ?? 0
      if (total - above * next >= count) {
        level = Math.max(next, Math.floor((total - count) / above))
        break
      }
    }
    for (const [id, peer] of bySize.slice(0, above)) {
      this.evictOldest(peer, peer.blocks.size - level)
      if (peer.blocks.size === 0) {
        this.forget(id, now)
      }
    }
  }

  private evictOldest (peer: AnnouncedPeer, count: number): void {
    for (const key of peer.blocks.keys()) {
      if (count-- <= 0) break
      this.deleteRecord(peer, key)
    }
  }

  private dropDeadPeers (now: number): void {
    for (const id of [...this.peers.keys()]) {
      if (!this.isLive(id)) {
        this.forget(id, now)
      }
    }
  }

  /** A prune reads every record: at most once per `pruneEveryMs`, so a full table does not make each announcement a full scan */
  private pruneIfDue (now: number): void {
    if (now - this.prunedAt > this.limits.pruneEveryMs) {
      this.prune(now)
    }
  }

  private prune (now: number): void {
    this.prunedAt = now
    for (const [id, peer] of [...this.peers]) {
      for (const [key, expires] of peer.blocks) {
        if (expires <= now) {
          this.deleteRecord(peer, key)
        }
      }
      if (peer.blocks.size === 0) {
        this.forget(id, now)
      }
    }
    this.forgotten.prune(now)
  }

  private forget (peerId: string, now: number): void {
    const peer = this.peers.get(peerId)
    if (peer == null) return
    this.peers.delete(peerId)
    this.blockRecords -= peer.blocks.size
    this.leaveClient(peerId, peer.client)
    this.forgotten.remember(peerId, peer.seq, now)
  }

  private deleteRecord (peer: AnnouncedPeer, key: string): void {
    if (peer.blocks.delete(key)) {
      this.blockRecords--
    }
  }

  private leaveClient (peerId: string, client: string): void {
    const peers = this.clients.get(client)
    peers?.delete(peerId)
    if (peers?.size === 0) {
      this.clients.delete(client)
    }
  }

  private clientPeers (client: string): Set<string> {
    let peers = this.clients.get(client)
    if (peers == null) {
      peers = new Set()
      this.clients.set(client, peers)
    }
    return peers
  }
}

/** Blocks are matched by multihash: a dag-pb CID and a raw CID of the same bytes are one block. */
function keyOf (cid: CID): string {
  return toString(cid.multihash.bytes, 'base64')
}
