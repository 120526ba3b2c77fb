import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { InvalidIpnsRecordError, ServePathError } from './errors.ts'
import { parseIpnsName } from './ipns-name.ts'
import { readIpnsRecord } from './ipns-record.ts'
import type { IpnsRecordFacts } from './ipns-record.ts'
import type { HeldIpnsRecord, IpnsRecordTarget } from './ipns-records.ts'
import type { AbortOptions } from '@libp2p/interface'

export const IPNS_RECORD_EXTENSION = '.ipns-record'

export function isIpnsRecordFile (path: string): boolean {
  return path.toLowerCase().endsWith(IPNS_RECORD_EXTENSION)
}

/**
 * Holds the signed IPNS record in `file` for the name its file name starts
 * with: everything before the first `_`, or before `.ipns-record`
 * (`k51…_v1.ipns-record`, `12D3Koo….ipns-record`). The record is kept byte
 * for byte and its signature is not checked: whoever resolves it must.
 */
export async function importIpnsRecord (file: string, target: IpnsRecordTarget, options: AbortOptions = {}): Promise<HeldIpnsRecord> {
  const stem = basename(file).slice(0, -IPNS_RECORD_EXTENSION.length)
  const nameText = stem.split('_')[0]

  let name: string
  try {
    name = parseIpnsName(nameText).name
  } catch (err: any) {
    throw new ServePathError(`cannot serve ${file}: the file name must start with the IPNS name it holds a record for (k51…, 12D3Koo… or Qm…), then _ or ${IPNS_RECORD_EXTENSION} - ${err.message}`)
  }

  const bytes = new Uint8Array(await readFile(file, { signal: options.signal }))
  let facts: IpnsRecordFacts
  try {
    facts = readIpnsRecord(bytes)
  } catch (err: any) {
    throw new InvalidIpnsRecordError(`${file}: ${err.message}`)
  }

  const record: HeldIpnsRecord = { name, bytes, source: file, ...facts }
  target.add(record)
  return record
}
