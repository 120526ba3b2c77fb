/**
 * Hash cost: Edgeway's block check (`hashMatches`, what every block from an
 * edge, a peer or the store goes through) with sha2-256 (WebCrypto underneath)
 * and with blake3 (JavaScript, no browser has it built in), against bare
 * WebCrypto SHA-256 over the same blocks, in the same page.
 */
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { blake3 } from '../../src/lib/block-hashers.ts'
import { hashMatches } from '../../src/node/verified-blockstore.ts'

interface HashRun { sha256CheckMs: number, blake3CheckMs: number, webCryptoMs: number }

interface Block { sha256Cid: CID, blake3Cid: CID, bytes: Uint8Array<ArrayBuffer> }

async function prepare (totalBytes: number, blockBytes: number): Promise<Block[]> {
  const blocks: Block[] = []
  for (let offset = 0; offset < totalBytes; offset += blockBytes) {
    const bytes = new Uint8Array(Math.min(blockBytes, totalBytes - offset))
    for (let i = 0; i < bytes.byteLength; i += 65536) {
      crypto.getRandomValues(bytes.subarray(i, i + 65536))
    }
    blocks.push({ sha256Cid: CID.createV1(raw.code, await sha256.digest(bytes)), blake3Cid: CID.createV1(raw.code, await blake3.digest(bytes)), bytes })
  }
  return blocks
}

let blocks: Block[] = []

async function checkAll (cidOf: (block: Block) => CID): Promise<number> {
  const start = performance.now()
  for (const block of blocks) {
    if (!await hashMatches(cidOf(block), block.bytes)) {
      throw new Error(`block ${cidOf(block).toString()} failed its own check`)
    }
  }
  return performance.now() - start
}

async function run (): Promise<HashRun> {
  const sha256CheckMs = await checkAll(block => block.sha256Cid)
  const blake3CheckMs = await checkAll(block => block.blake3Cid)
  const start = performance.now()
  for (const block of blocks) {
    await crypto.subtle.digest('SHA-256', block.bytes)
  }
  return { sha256CheckMs, blake3CheckMs, webCryptoMs: performance.now() - start }
}

Object.assign(globalThis, {
  edgewayBench: {
    prepare: async (totalBytes: number, blockBytes: number) => { blocks = []; blocks = await prepare(totalBytes, blockBytes) },
    run
  }
})
document.body.dataset.ready = 'true'
