import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { signAnnouncement } from '../../src/lib/provider-announcement.ts'
import type { AnnouncementRequest } from '../../src/lib/provider-announcement.ts'
import type { Page } from 'playwright-core'

/** How long the forged records ask to be kept: longer than any test or benchmark run */
const FORGED_TTL_MS = 10 * 60_000

/**
 * The body of one `PUT /routing/v1/providers` announcing `cids` for `count`
 * peers that do not exist: throw-away Ed25519 keys, each announcement signed
 * correctly, with addresses made to look like browsers' relay addresses
 * through `edge` (its WebSocket address, then `/p2p-circuit` and
 * `/p2p-circuit/webrtc`). Finding 3 of issue 12: anyone can write these.
 */
export async function forgedAnnouncements (edge: { peerId?: string, multiaddrs: string[] }, cids: string[], count: number): Promise<{ ids: string[], body: string }> {
  const relay = edge.multiaddrs.find(ma => ma.includes('/ws'))
  if (relay == null || edge.peerId == null) {
    throw new Error('the edge has no WebSocket address or peer id to forge relay addresses with')
  }
  const base = relay.includes('/p2p/') ? relay : `${relay}/p2p/${edge.peerId}`
  const request: AnnouncementRequest = { Providers: [] }
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const key = await generateKeyPair('Ed25519')
    const id = peerIdFromPrivateKey(key).toString()
    ids.push(id)
    request.Providers.push(await signAnnouncement(key, {
      CID: cids,
      Scope: 'block',
      Timestamp: new Date().toISOString(),
      TTL: FORGED_TTL_MS,
      // each key announces once: any Seq is its first
      Seq: 1,
      ID: id,
      Addrs: [`${base}/p2p-circuit`, `${base}/p2p-circuit/webrtc`],
      Protocols: ['transport-bitswap']
    }))
  }
  return { ids, body: JSON.stringify(request) }
}

/**
 * Sends forged announcements to an edge from `probe`, a page on the edge's
 * own origin (inside the loopback namespace when there is one); resolves to
 * the edge's status and answer.
 */
export async function announceForged (probe: Page, edgeHttp: string, body: string): Promise<{ status: number, text: string }> {
  return probe.evaluate(async ({ url, body }) => {
    const response = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body })
    return { status: response.status, text: (await response.text()).slice(0, 300) }
  }, { url: `${edgeHttp}/routing/v1/providers`, body })
}
