/**
 * A small CBOR decoder for the one CBOR document the edge reads: the signed
 * `data` map of an IPNS record, whose TTL and validity set how long a
 * response may be cached. The edge holds no dag-cbor codec (it never walks
 * dag-cbor DAGs), and this needs none of its CID handling: a tag is read as
 * the item it wraps.
 *
 * Integers beyond 2^53 become bigints; maps become plain objects (text or
 * number keys); indefinite lengths, which DAG-CBOR forbids, are refused.
 */

export class CborError extends Error {
  static name = 'CborError'
  name = 'CborError'
}

/** Decodes one CBOR item that fills `bytes` exactly */
export function decodeCbor (bytes: Uint8Array): unknown {
  const reader = { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }
  const value = readItem(reader, 0)
  if (reader.offset !== bytes.byteLength) {
    throw new CborError('bytes left after the CBOR item')
  }
  return value
}

interface Reader {
  bytes: Uint8Array
  view: DataView
  offset: number
}

/** Deep enough for any real record; bounds the recursion on hostile input */
const MAX_DEPTH = 64

function readItem (reader: Reader, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new CborError('CBOR nested too deep')
  const initial = readUint(reader, 1)
  const major = initial >> 5
  const info = initial & 0x1f

  if (major === 7) {
    return readSimple(reader, info)
  }

  const argument = readArgument(reader, info)

  switch (major) {
    case 0: return argument
    case 1: return typeof argument === 'bigint' ? -1n - argument : -1 - argument
    case 2: return new Uint8Array(readBytes(reader, argument)) // a copy, and a plain Uint8Array even from a Buffer
    case 3: return new TextDecoder('utf-8', { fatal: true }).decode(readBytes(reader, argument))
    case 4: return Array.from({ length: toLength(argument) }, () => readItem(reader, depth + 1))
    case 5: {
      const map: Record<string, unknown> = {}
      for (let i = 0; i < toLength(argument); i++) {
        const key = readItem(reader, depth + 1)
        if (typeof key !== 'string' && typeof key !== 'number') throw new CborError('unsupported CBOR map key')
        map[key] = readItem(reader, depth + 1)
      }
      return map
    }
    default: return readItem(reader, depth + 1) // 6: a tag, read as the item it wraps
  }
}

function readArgument (reader: Reader, info: number): number | bigint {
  if (info < 24) return info
  if (info === 24) return readUint(reader, 1)
  if (info === 25) return readUint(reader, 2)
  if (info === 26) return readUint(reader, 4)
  if (info === 27) {
    const value = readBig(reader)
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value
  }
  throw new CborError('indefinite or reserved CBOR length')
}

function readSimple (reader: Reader, info: number): unknown {
  if (info === 20) return false
  if (info === 21) return true
  if (info === 22) return null
  if (info === 23) return undefined
  if (info === 25) return readHalfFloat(readUint(reader, 2))
  if (info === 26) return readFixed(reader, 4, offset => reader.view.getFloat32(offset))
  if (info === 27) return readFixed(reader, 8, offset => reader.view.getFloat64(offset))
  throw new CborError(`unsupported CBOR simple value ${info}`)
}

function readUint (reader: Reader, size: 1 | 2 | 4): number {
  return readFixed(reader, size, offset => size === 1 ? reader.view.getUint8(offset) : size === 2 ? reader.view.getUint16(offset) : reader.view.getUint32(offset))
}

function readBig (reader: Reader): bigint {
  return readFixed(reader, 8, offset => reader.view.getBigUint64(offset))
}

function readFixed<T> (reader: Reader, size: number, read: (offset: number) => T): T {
  if (reader.offset + size > reader.bytes.byteLength) throw new CborError('truncated CBOR')
  const value = read(reader.offset)
  reader.offset += size
  return value
}

function readBytes (reader: Reader, length: number | bigint): Uint8Array {
  const end = reader.offset + toLength(length)
  if (end > reader.bytes.byteLength) throw new CborError('truncated CBOR')
  const bytes = reader.bytes.subarray(reader.offset, end)
  reader.offset = end
  return bytes
}

function toLength (value: number | bigint): number {
  if (typeof value === 'bigint') throw new CborError('CBOR length out of range')
  return value
}

function readHalfFloat (bits: number): number {
  const sign = (bits & 0x8000) === 0 ? 1 : -1
  const exponent = (bits >> 10) & 0x1f
  const fraction = bits & 0x3ff
  if (exponent === 0) return sign * fraction * 2 ** -24
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15)
}
