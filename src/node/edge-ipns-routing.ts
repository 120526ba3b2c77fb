import { multihashFromIPNSRoutingKey } from '@helia/ipns'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import { readCapped } from '../lib/read-capped.ts'
import type { IPNSRouting, IPNSRoutingGetOptions } from '@helia/ipns'

/** The IPNS spec's limit on a record's size. */
const MAX_RECORD_SIZE = 10 * 1024

const LIBP2P_KEY_CODE = 0x72

export class IpnsRecordNotFoundError extends Error {
  static name = 'IpnsRecordNotFoundError'
  name = 'IpnsRecordNotFoundError'
}

/**
 * Gets IPNS records from delegated routing v1 endpoints — the edges', then
 * the configured routers' (`GET /routing/v1/ipns/<name>`), in order. The record is returned as sent:
 * the IPNS resolver checks its signature and validity before anything uses
 * it, so an edge can withhold a record but not forge one.
 */
export class EdgeIpnsRouting implements IPNSRouting {
  private readonly urls: string[]

  /** `urls`: base URLs that serve `/routing/v1/ipns/<name>`, asked in this order */
  constructor (urls: string[]) {
    this.urls = urls
  }

  async put (): Promise<void> {
    // publishing goes through the page's own node, never through the SW's edges
  }

  async get (routingKey: Uint8Array, options: IPNSRoutingGetOptions = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted()
    const name = CID.createV1(LIBP2P_KEY_CODE, multihashFromIPNSRoutingKey(routingKey)).toString(base36)
    const failures: string[] = []
    for (const url of this.urls) {
      try {
        const response = await fetch(`${url}/routing/v1/ipns/${name}`, {
          headers: { Accept: 'application/vnd.ipfs.ipns-record' },
          signal: options.signal,
          cache: 'no-store'
        })
        if (!response.ok || response.body == null) {
          await response.body?.cancel()
          failures.push(`${url}: HTTP ${response.status}`)
          continue
        }
        return await readCapped(response, MAX_RECORD_SIZE, () => new Error(`the record is over ${MAX_RECORD_SIZE} bytes`), options)
      } catch (err: any) {
        options.signal?.throwIfAborted()
        failures.push(`${url}: ${err.message ?? err}`)
      }
    }
    throw new IpnsRecordNotFoundError(`No edge or router has an IPNS record for ${name} (${failures.join('; ') || 'no HTTP edges or routers'})`)
  }

  toString (): string {
    return `EdgeIpnsRouting(${this.urls.join(', ')})`
  }
}
