import { createServer } from 'node:net'
import { sha256 as sha256Hasher } from 'multiformats/hashes/sha2'
import { equals } from 'uint8arrays/equals'
import type { MemoryBlockstore } from 'blockstore-core'
import type { AddressInfo } from 'node:net'

/** Every block in the store hashes to its CID (throws naming the first forged one); how many there are. */
export async function verifiedStoreSize (store: MemoryBlockstore): Promise<number> {
  let count = 0
  for await (const { cid, bytes } of store.getAll()) {
    const chunks: Uint8Array[] = []
    for await (const chunk of bytes) chunks.push(chunk)
    const digest = await sha256Hasher.digest(Buffer.concat(chunks))
    if (!equals(digest.bytes, cid.multihash.bytes)) throw new Error(`the store holds a forged block for ${cid.toString()}`)
    count++
  }
  return count
}

/** A loopback port nothing listens on: an edge that is down. */
export async function closedPort (): Promise<string> {
  const server = createServer()
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  const { port } = server.address() as AddressInfo
  await new Promise(resolve => server.close(resolve))
  return `http://127.0.0.1:${port}`
}
