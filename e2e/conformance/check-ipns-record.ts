import { IPNSEntry, ipnsValidator, multihashToIPNSRoutingKey } from '@helia/ipns'
import * as dagCbor from '@ipld/dag-cbor'
import { ecdsaCrypto, ed25519Crypto, rsaCrypto } from '@ipshipyard/crypto'
import { keychain } from '@ipshipyard/keychain'
import { peerIdFromString } from '@libp2p/peer-id'
import { MemoryDatastore } from 'datastore-core'
import { equals } from 'uint8arrays/equals'
import type { BodyCheck } from './types.ts'
import type { Crypto } from '@ipshipyard/crypto'

type IpnsRecordCheck = NonNullable<BodyCheck['ipns_record']>

const CRYPTOS: Crypto[] = [ed25519Crypto(), rsaCrypto(), ecdsaCrypto()]

/**
 * The failed checks of a body that must be a signed IPNS record for `name` whose value is
 * `value`. Validation is @helia/ipns's (size, V2 signature, validity, V1/V2 agreement);
 * on top, a record whose name is a hash of its key must carry the key with that hash.
 */
export async function checkIpnsRecord (check: IpnsRecordCheck, body: Uint8Array): Promise<string[]> {
  const fail = (why: string): string[] => [`body ipns_record: ${why}`]
  let record: IPNSEntry
  try {
    record = IPNSEntry.decode(body)
  } catch (err) {
    return fail(`not an IPNS record protobuf (${(err as Error).message})`)
  }
  const name = peerIdFromString(check.name).toMultihash()
  const keys = keychain()({
    datastore: new MemoryDatastore(),
    getCrypto: (codeOrName) => {
      const found = CRYPTOS.find(crypto => crypto.code === codeOrName || crypto.type === codeOrName)
      if (found == null) throw new Error(`no crypto for key type ${codeOrName}`)
      return found
    }
  })
  try {
    await ipnsValidator(multihashToIPNSRoutingKey(name), body, keys)
  } catch (err) {
    return fail(`not valid for ${check.name} (${(err as Error).name}: ${(err as Error).message})`)
  }
  if (name.code !== 0x00) {
    const key = record.publicKey == null ? undefined : await keys.loadPublicKeyFromProtobuf(record.publicKey)
    if (key == null || !equals(key.toMultihash().bytes, name.bytes)) {
      return fail(`signed by a key that is not ${check.name}`)
    }
  }
  const value = valueOf(record)
  if (value !== check.value) {
    return fail(`expected the value ${JSON.stringify(check.value)}, got ${JSON.stringify(value)}`)
  }
  return []
}

/** The signed (V2, CBOR `Value`) value; the validator has checked that a V1 value agrees. */
function valueOf (record: IPNSEntry): string | undefined {
  const data = record.data == null ? undefined : dagCbor.decode<{ Value?: Uint8Array }>(record.data)
  return data?.Value == null ? undefined : new TextDecoder().decode(data.Value)
}
