import { ServePathError } from './errors.ts'
import { parseIpnsName } from './ipns-name.ts'
import type { IpnsRecordFacts } from './ipns-record.ts'

/** A signed IPNS record the edge serves, exactly as it was given */
export interface HeldIpnsRecord extends IpnsRecordFacts {
  /** The name it answers for, `k51…` */
  name: string
  /** The serialized `IpnsEntry` */
  bytes: Uint8Array
  /** Where it came from (the `serve` entry) */
  source: string
}

/** Where imported records go */
export interface IpnsRecordTarget {
  add(record: HeldIpnsRecord): void
}

export interface IpnsRecordSource {
  /**
   * The record held for `name` in any of its spellings (`k51…`, `bafzaa…`,
   * `12D3Koo…`, `Qm…`). Throws `InvalidIpnsNameError` for text that is no name.
   */
  get(name: string): HeldIpnsRecord | undefined
}

/**
 * The edge's IPNS records, one per name, keyed by the name's multihash so a
 * lookup by any spelling finds it. Filled at start-up from `serve`.
 */
export class IpnsRecords implements IpnsRecordTarget, IpnsRecordSource {
  private readonly records = new Map<string, HeldIpnsRecord>()

  add (record: HeldIpnsRecord): void {
    const { key } = parseIpnsName(record.name)
    const held = this.records.get(key)
    if (held != null) {
      throw new ServePathError(`${held.source} and ${record.source} both hold a record for ${record.name}: serve one`)
    }
    this.records.set(key, record)
  }

  get (name: string): HeldIpnsRecord | undefined {
    return this.records.get(parseIpnsName(name).key)
  }
}
