/**
 * Hash cost: Edgeway's block check (`hashMatches`, what every block from an
 * edge, a peer or the store goes through) against bare WebCrypto SHA-256 over
 * the same blocks, in the same page.
 */
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { hashMatches } from '../../src/lib/node/verified-blockstore.ts'

interface HashRun { edgewayMs: number, webCryptoMs: number }

interface Block { cid: CID, bytes: Uint8Array<ArrayBuffer> }

async function prepare (totalBytes: number, blockBytes: number): Promise<Block[]> {
  const blocks: Block[] = []
  for (let offset = 0; offset < totalBytes; offset += blockBytes) {
    const bytes = new Uint8Array(Math.min(blockBytes, totalBytes - offset))
    for (let i = 0; i < bytes.byteLength; i += 65536) {
      crypto.getRandomValues(bytes.subarray(i, i + 65536))
    }
    blocks.push({ cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes })
  }
  return blocks
}

let blocks: Block[] = []

async function run (): Promise<HashRun> {
  let start = performance.now()
  for (const block of blocks) {
    if (!await hashMatches(block.cid, block.bytes)) {
      throw new Error(`block ${block.cid.toString()} failed its own check`)
    }
  }
  const edgewayMs = performance.now() - start
  start = performance.now()
  for (const block of blocks) {
    await crypto.subtle.digest('SHA-256', block.bytes)
  }
  return { edgewayMs, webCryptoMs: performance.now() - start }
}

Object.assign(globalThis, {
  edgewayBench: {
    prepare: async (totalBytes: number, blockBytes: number) => { blocks = await prepare(totalBytes, blockBytes) },
    run
  }
})
document.body.dataset.ready = 'true'
