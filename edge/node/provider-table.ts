import { toString } from 'uint8arrays/to-string'
import { ANNOUNCEMENT_LIMITS } from './defaults.ts'
import type { PeerRecord } from './delegated-routing.ts'
import type { VerifiedAnnouncement } from '../../src/lib/provider-announcement.ts'
import type { CID } from 'multiformats/cid'

interface AnnouncedPeer {
  addrs: string[]
  protocols: string[]
  /** multihash key → when the record expires (ms since the epoch) */
  blocks: Map<string, number>
}

/**
 * The blocks other peers (browsers) announced they can serve, kept in memory
 * only: records expire at their TTL, and a peer's records go when it
 * disconnects from this edge, since its relay addresses go with it. The edge
 * never holds, fetches or checks the announced bytes; a reader verifies them.
 */
export class ProviderTable {
  private readonly peers = new Map<string, AnnouncedPeer>()
  private prunedAt = 0

  /** Adds (or, with a TTL of 1 ms, withdraws) a verified announcement's records. */
  add (announcement: VerifiedAnnouncement, now: number = Date.now()): void {
    if (now - this.prunedAt > ANNOUNCEMENT_LIMITS.pruneEveryMs) {
      this.prune(now)
    }
    const ttl = announcement.ttlMs === 0 ? ANNOUNCEMENT_LIMITS.defaultTtlMs : Math.min(announcement.ttlMs, ANNOUNCEMENT_LIMITS.maxTtlMs)
    let peer = this.peers.get(announcement.peerId)
    if (peer == null) {
      if (this.peers.size >= ANNOUNCEMENT_LIMITS.maxPeers) {
        this.prune(now)
        if (this.peers.size >= ANNOUNCEMENT_LIMITS.maxPeers) {
          return
        }
      }
      peer = { addrs: [], protocols: [], blocks: new Map() }
      this.peers.set(announcement.peerId, peer)
    }
    // the newest announcement says where the peer is now
    peer.addrs = announcement.addrs
    peer.protocols = announcement.protocols
    for (const cid of announcement.cids) {
      const key = keyOf(cid)
      if (!peer.blocks.has(key) && peer.blocks.size >= ANNOUNCEMENT_LIMITS.maxBlocksPerPeer) {
        continue
      }
      peer.blocks.set(key, now + ttl)
    }
    if (ttl <= 1) {
      this.prune(now + ttl)
    }
  }

  /** Peers with an unexpired record for `cid`'s block, as delegated routing peer records. */
  providersOf (cid: CID, now: number = Date.now()): PeerRecord[] {
    const key = keyOf(cid)
    const records: PeerRecord[] = []
    for (const [id, peer] of this.peers) {
      const expires = peer.blocks.get(key)
      if (expires != null && expires > now) {
        records.push({ Schema: 'peer', ID: id, Addrs: peer.addrs, Protocols: peer.protocols })
      }
    }
    return records
  }

  /** Forgets every record of `peerId` (it disconnected). */
  dropPeer (peerId: string): void {
    this.peers.delete(peerId)
  }

  private prune (now: number): void {
    this.prunedAt = now
    for (const [id, peer] of this.peers) {
      for (const [key, expires] of peer.blocks) {
        if (expires <= now) {
          peer.blocks.delete(key)
        }
      }
      if (peer.blocks.size === 0) {
        this.peers.delete(id)
      }
    }
  }
}

/** Blocks are matched by multihash: a dag-pb CID and a raw CID of the same bytes are one block. */
function keyOf (cid: CID): string {
  return toString(cid.multihash.bytes, 'base64')
}
