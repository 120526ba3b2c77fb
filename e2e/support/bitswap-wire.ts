/**
 * Bitswap 1.2.0 messages, for a test peer that must see exactly what another
 * peer answers to a want. @helia/bitswap has the codec but does not export it
 * (its package exports only the node), and its public API never surfaces a
 * "don't have": a want just waits. This adapter loads that codec from the
 * installed package, so the bytes on the wire are the ones Helia itself
 * writes and reads; nothing here re-implements the protocol.
 */
export const BITSWAP_120 = '/ipfs/bitswap/1.2.0'

/** What a peer said about one wanted block */
export type WantAnswer = { type: 'block', bytes: Uint8Array } | { type: 'have' } | { type: 'dont-have' }

interface BitswapMessageCodec {
  encode(message: {
    wantlist: { entries: Array<{ cid: Uint8Array, priority: number, wantType: 'WantBlock' | 'WantHave', sendDontHave: boolean }>, full: boolean }
    blocks: []
    blockPresences: []
    pendingBytes: number
  }): Uint8Array
  decode(bytes: Uint8Array | { subarray(): Uint8Array }): {
    blocks: Array<{ prefix: Uint8Array, data: Uint8Array }>
    blockPresences: Array<{ cid: Uint8Array, type: 'HaveBlock' | 'DoNotHaveBlock' }>
  }
}

async function codec (): Promise<BitswapMessageCodec> {
  const entry = import.meta.resolve('@helia/bitswap')
  const module = await import(new URL('./pb/message.js', entry).href) as { BitswapMessage: BitswapMessageCodec }
  return module.BitswapMessage
}

/** A message wanting each block whole, asking to be told "don't have" rather than left waiting. */
export async function encodeWantBlocks (cids: Uint8Array[]): Promise<Uint8Array> {
  return (await codec()).encode({
    wantlist: { entries: cids.map(cid => ({ cid, priority: 1, wantType: 'WantBlock', sendDontHave: true })), full: false },
    blocks: [],
    blockPresences: [],
    pendingBytes: 0
  })
}

export interface DecodedAnswers {
  /** Blocks sent, by the CID prefix they came with (the reader hashes them to know which they are) */
  blocks: Array<{ prefix: Uint8Array, data: Uint8Array }>
  /** Presences, by CID bytes */
  presences: Array<{ cid: Uint8Array, has: boolean }>
}

export async function decodeMessage (bytes: Uint8Array | { subarray(): Uint8Array }): Promise<DecodedAnswers> {
  const message = (await codec()).decode(bytes)
  return {
    blocks: message.blocks,
    presences: message.blockPresences.map(presence => ({ cid: presence.cid, has: presence.type === 'HaveBlock' }))
  }
}
