/**
 * Real, signed IPNS records for the edge tests, made with a freshly generated
 * key by the library Helia publishes with (`@helia/ipns` and its key library
 * `@ipshipyard/crypto`, both here through `@helia/verified-fetch`).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { IPNSEntry, createIPNSRecord, multihashToIPNSRoutingKey } from '@helia/ipns'
import { ed25519Crypto } from '@ipshipyard/crypto'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'

export interface TestIpnsRecord {
  /** `k51…` */
  name: string
  /** The same name as a peer id, `12D3Koo…` */
  peerId: string
  /** The same name as a base32 CIDv1, `bafzaa…` */
  cid: string
  /** `/ipns/` + the key's multihash, what a resolver validates against */
  routingKey: Uint8Array
  /** The serialized IpnsEntry */
  bytes: Uint8Array
}

export interface TestIpnsRecordOptions {
  /** @default '/ipfs/bafkqaddwgevxmmraojswg33smq' */
  value?: string
  /** @default 300 */
  ttlSeconds?: number
  /** How long the record stays valid; @default one day */
  lifetimeMs?: number
  /** Add a V1 signature and fields as well as V2; @default true */
  v1Compatible?: boolean
  /** Spoil the V2 signature, as the conformance fixtures do */
  brokenSignature?: boolean
}

export async function createTestIpnsRecord (options: TestIpnsRecordOptions = {}): Promise<TestIpnsRecord> {
  const { value = '/ipfs/bafkqaddwgevxmmraojswg33smq', ttlSeconds = 300, lifetimeMs = 86_400_000, v1Compatible = true, brokenSignature = false } = options
  const key = await ed25519Crypto().generatePrivateKey()
  const record = await createIPNSRecord(key, value, 1n, lifetimeMs, { ttlNs: BigInt(ttlSeconds) * 1_000_000_000n, v1Compatible })

  if (brokenSignature && record.signatureV2 != null) {
    record.signatureV2 = record.signatureV2.slice()
    record.signatureV2[0] ^= 0xff
  }

  return {
    name: key.publicKey.toCID().toString(base36),
    peerId: base58btc.baseEncode(key.publicKey.toMultihash().bytes),
    cid: key.publicKey.toCID().toString(),
    routingKey: multihashToIPNSRoutingKey(key.publicKey.toMultihash()),
    bytes: IPNSEntry.encode(record)
  }
}

/** Writes `record` as `<dir>/<fileName>` and returns the path */
export async function writeIpnsRecordFile (dir: string, fileName: string, record: TestIpnsRecord): Promise<string> {
  const path = join(dir, fileName)
  await writeFile(path, record.bytes)
  return path
}
