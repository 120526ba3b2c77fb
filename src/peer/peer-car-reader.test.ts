import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { streamPair } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryBlockstore } from 'blockstore-core'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import * as dagPb from '@ipld/dag-pb'
import * as raw from 'multiformats/codecs/raw'
import { describe, expect, it } from 'vitest'
import { serveCar } from './car-server.ts'
import { PeerCarReader } from './peer-car-reader.ts'
import type { Provider } from '@helia/interface'
import type { AbortOptions, Connection, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

const log = defaultLogger().forComponent('test:peer-car-reader')

/** A browser as the reader meets it: its id, and how a dial to it goes */
interface FakeBrowser {
  id: PeerId
  /** `hang`: the dial never connects (a browser that went away); `serve`: a connection whose CAR streams come from `store` */
  dial: 'hang' | 'serve'
}

async function browser (dial: FakeBrowser['dial']): Promise<FakeBrowser> {
  return { id: peerIdFromPrivateKey(await generateKeyPair('Ed25519')), dial }
}

/** A 64 KiB file of 4 KiB raw leaves */
async function file (): Promise<{ root: CID, bytes: Uint8Array, store: MemoryBlockstore }> {
  const store = new MemoryBlockstore()
  const bytes = new Uint8Array(64 * 1024).map((_, i) => (i * 31) % 253)
  let root: CID | undefined
  for await (const entry of importer([{ content: bytes }], store, { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 4096 }) })) root = entry.cid
  return { root: root!, bytes, store }
}

function readerFor (browsers: FakeBrowser[], store: MemoryBlockstore, dialStaggerMs: number): { reader: PeerCarReader, dialled: string[] } {
  const dialled: string[] = []
  const libp2p = {
    getConnections: () => [],
    dial: async (addrs: Multiaddr | Multiaddr[], options: AbortOptions = {}): Promise<Connection> => {
      const id = [addrs].flat()[0].toString().split('/p2p/').pop()
      dialled.push(id ?? '')
      const target = browsers.find(candidate => candidate.id.toString() === id)
      if (target?.dial !== 'serve') {
        return new Promise((_resolve, reject) => { options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }) })
      }
      const connection = {
        remotePeer: target.id,
        remoteAddr: multiaddr('/ip4/127.0.0.1/udp/1/webrtc'),
        limits: undefined,
        newStream: async () => {
          const [outbound, inbound] = await streamPair()
          void serveCar(inbound, { blockstore: store, gate: { serves: () => true }, getCodec: async (code: number) => code === raw.code ? raw : dagPb, log } as unknown as Parameters<typeof serveCar>[1])
          return outbound
        }
      }
      return connection as unknown as Connection
    }
  }
  const router = {
    async * findProviders (): AsyncGenerator<Provider> {
      for (const { id } of browsers) {
        yield { id: id.toCID(), multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/1/ws/p2p-circuit/webrtc')], protocols: [], router: 'test', fallback: false } as unknown as Provider
      }
    }
  }
  return { reader: new PeerCarReader({ libp2p: libp2p as never, router: router as never, log, dialStaggerMs }), dialled }
}

describe('PeerCarReader', () => {
  it('a listed browser whose dial hangs does not hold the CAR: the next one is dialled beside it and sends the file', async () => {
    const { root, bytes, store } = await file()
    const gone = await browser('hang')
    const honest = await browser('serve')
    const { reader, dialled } = readerFor([gone, honest], store, 50)
    const blocks: Uint8Array[] = []
    const started = Date.now()
    for await (const block of reader.carBlocks({ cid: root }, { root, signal: AbortSignal.timeout(4_000) })) {
      if (block.cid.code === raw.code) blocks.push(block.bytes)
      expect(block.from).toBe(honest.id.toString())
    }
    // well before the hanging dial's own time limit (5 s): the second dial started after the stagger
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(dialled).toEqual([gone.id.toString(), honest.id.toString()])
    expect(Buffer.concat(blocks).equals(Buffer.from(bytes))).toBe(true)
  })

  it('dials one browser at a time while the first connects within the stagger', async () => {
    const { root, store } = await file()
    const first = await browser('serve')
    const second = await browser('serve')
    const { reader, dialled } = readerFor([first, second], store, 2_000)
    let count = 0
    for await (const block of reader.carBlocks({ cid: root }, { root })) {
      expect(block.from).toBe(first.id.toString())
      count++
    }
    expect(count).toBe(17)
    expect(dialled).toEqual([first.id.toString()])
  })
})
