import type { PeerRecord } from './delegated-routing.ts'

export interface EncodeRecordsOptions {
  /** The JSON answer's field: `{"<field>": [records]}` */
  field: 'Providers' | 'Peers'
  /** One record per line (`application/x-ndjson`) instead of one JSON object */
  ndjson: boolean
  maxRecords: number
  /** Bytes of the whole body */
  maxBytes: number
}

/**
 * A routing answer of the leading `records` that fit both caps, in the order
 * given: the caller puts first what must not be crowded out. A record that
 * does not fit ends the answer, so what a reader gets is always a prefix.
 */
export function encodeRecords (records: PeerRecord[], { field, ndjson, maxRecords, maxBytes }: EncodeRecordsOptions): string {
  const [open, separator, close] = ndjson ? ['', '\n', '\n'] : [`{"${field}":[`, ',', ']}']
  const lines: string[] = []
  let bytes = Buffer.byteLength(open) + Buffer.byteLength(close)
  for (const record of records.slice(0, maxRecords)) {
    const line = JSON.stringify(record)
    const more = Buffer.byteLength(line) + (lines.length > 0 ? separator.length : 0)
    if (bytes + more > maxBytes) {
      break
    }
    lines.push(line)
    bytes += more
  }
  if (ndjson && lines.length === 0) {
    return ''
  }
  return `${open}${lines.join(separator)}${close}`
}
