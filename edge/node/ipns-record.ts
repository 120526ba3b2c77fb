import { IPNSEntry } from '@helia/ipns'
import * as dagCbor from '@ipld/dag-cbor'
import { InvalidIpnsRecordError } from './errors.ts'

/**
 * What the edge reads from an IPNS record to serve it well. Nothing here is
 * verified: the edge holds records as they are, and the browser that resolves
 * one checks its signature (test records are broken on purpose).
 */
export interface IpnsRecordFacts {
  /** How long a resolver may cache the record, when it says (`TTL` > 0) */
  ttlSeconds?: number
  /** When the record stops being valid (validity type EOL), when readable */
  expires?: Date
}

const VALIDITY_EOL = 0

interface RecordFields {
  TTL?: number | bigint
  Validity?: Uint8Array
  ValidityType?: number | bigint
}

/**
 * Reads the TTL and expiry of a serialized `IpnsEntry`, from its signed CBOR
 * `data` where that decodes, else from the legacy V1 protobuf fields. Throws
 * `InvalidIpnsRecordError` only when the bytes are not an IPNS record at all:
 * not a protobuf message, or one with neither a value nor data.
 */
export function readIpnsRecord (bytes: Uint8Array): IpnsRecordFacts {
  let entry: IPNSEntry
  try {
    entry = IPNSEntry.decode(bytes)
  } catch (err: any) {
    throw new InvalidIpnsRecordError(`not an IPNS record: ${err.message}`)
  }
  if (entry.value == null && entry.data == null) {
    throw new InvalidIpnsRecordError('not an IPNS record: it has neither a value nor signed data')
  }

  const signed = entry.data == null ? undefined : readSignedData(entry.data)
  const ttl = signed?.TTL ?? entry.ttl
  // the protobuf names the enum ('EOL'); the CBOR data numbers it (0)
  const eol = signed?.ValidityType != null ? Number(signed.ValidityType) === VALIDITY_EOL : entry.validityType == null || String(entry.validityType) === 'EOL'
  const validity = signed?.Validity ?? entry.validity
  const expires = eol && validity != null
    ? new Date(new TextDecoder().decode(validity))
    : undefined

  return {
    ttlSeconds: ttl != null && Number(ttl) > 0 ? Number(ttl) / 1e9 : undefined,
    expires: expires != null && !Number.isNaN(expires.getTime()) ? expires : undefined
  }
}

/** The fields of the signed CBOR map that matter here, each kept only if of the right type */
function readSignedData (data: Uint8Array): RecordFields | undefined {
  let map: unknown
  try {
    map = dagCbor.decode(data)
  } catch {
    return undefined
  }
  if (map == null || typeof map !== 'object') {
    return undefined
  }

  const { TTL, Validity, ValidityType } = map as Record<string, unknown>
  return {
    TTL: isInteger(TTL) ? TTL : undefined,
    Validity: Validity instanceof Uint8Array ? Validity : undefined,
    ValidityType: isInteger(ValidityType) ? ValidityType : undefined
  }
}

function isInteger (value: unknown): value is number | bigint {
  return typeof value === 'bigint' || Number.isInteger(value)
}
