import { decodeCbor } from './cbor-reader.ts'
import { InvalidIpnsRecordError } from './errors.ts'
import { readProtobufFields } from './protobuf-fields.ts'

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

/** IpnsEntry field numbers (ipns-record spec) */
const VALUE = 1
const VALIDITY_TYPE = 3
const VALIDITY = 4
const TTL = 6
const DATA = 9

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
  const legacy: RecordFields = {}
  let hasValue = false
  let data: Uint8Array | undefined

  try {
    for (const entry of readProtobufFields(bytes)) {
      if (entry.wireType === 2) {
        if (entry.field === VALUE) hasValue = true
        if (entry.field === VALIDITY) legacy.Validity = entry.bytes
        if (entry.field === DATA) data = entry.bytes
      } else {
        if (entry.field === VALIDITY_TYPE) legacy.ValidityType = entry.value
        if (entry.field === TTL) legacy.TTL = entry.value
      }
    }
  } catch (err: any) {
    throw new InvalidIpnsRecordError(`not an IPNS record: ${err.message}`)
  }

  if (!hasValue && data == null) {
    throw new InvalidIpnsRecordError('not an IPNS record: it has neither a value nor signed data')
  }

  const signed = data == null ? undefined : readSignedData(data)
  const ttl = signed?.TTL ?? legacy.TTL
  const validityType = signed?.ValidityType ?? legacy.ValidityType ?? VALIDITY_EOL
  const validity = signed?.Validity ?? legacy.Validity
  const expires = Number(validityType) === VALIDITY_EOL && validity != null
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
    map = decodeCbor(data)
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
